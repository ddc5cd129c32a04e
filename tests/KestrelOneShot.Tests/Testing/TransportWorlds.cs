using System.Net;
using System.Net.Sockets;

using KestrelOneShot.InMemory;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// A transport as Kestrel and a client use it: listeners bound, connections accepted and dialled.
/// <see cref="TransportScenarios"/> run against Kestrel's own socket transport and against ours.
/// </summary>
public interface ITransportWorld : IDisposable
{
    ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken);

    ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken);
}

public sealed class InMemoryTransportWorld : ITransportWorld
{
    private readonly InMemoryTransport _transport = new();

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken) =>
        _transport.BindAsync(endpoint, cancellationToken);

    public ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken) =>
        _transport.ConnectAsync(endpoint, cancellationToken);

    public void Dispose()
    {
    }
}

/// <summary>Kestrel's socket transport for the server's end, and its connection factory over a dialled socket for the client's.</summary>
public sealed class SocketTransportWorld : ITransportWorld
{
    private readonly SocketTransportFactory _listeners = new(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
    private readonly SocketConnectionContextFactory _connections = new(new SocketConnectionFactoryOptions(), NullLogger.Instance);

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken) =>
        _listeners.BindAsync(endpoint, cancellationToken);

    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = endpoint.AddressFamily == AddressFamily.Unspecified
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return _connections.Create(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _connections.Dispose();
}
