using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Testing.Transport;

/// <summary>
/// A transport with no sockets: Kestrel binds its endpoints here (<see cref="IConnectionListenerFactory"/>)
/// and tests connect to them (<see cref="IConnectionFactory"/>). Each instance is its own network, so
/// tests running in parallel never compete for ports.
/// </summary>
public sealed class InMemoryTransport : IConnectionListenerFactory, IConnectionFactory
{
    private readonly ConcurrentDictionary<EndPoint, InMemoryConnectionListener> _listeners = new();
    private int _nextPort = 32768;
    private TaskCompletionSource _accepting = CompletedGate();

    /// <summary>How the bytes clients send reach the server, for every connection that does not say otherwise.</summary>
    public NetworkConditions? ToServer { get; set; }

    /// <summary>How the bytes the server sends reach clients, for every connection that does not say otherwise.</summary>
    public NetworkConditions? ToClient { get; set; }

    /// <summary>
    /// False holds every connect unaccepted, as a server whose accept queue is not being served: the
    /// connect neither completes nor fails until this is true again, the connect is cancelled, or
    /// the endpoint is unbound (then it is refused).
    /// </summary>
    public bool AcceptsConnections
    {
        get => _accepting.Task.IsCompleted;
        set
        {
            if (value)
            {
                _accepting.TrySetResult();
            }
            else if (_accepting.Task.IsCompleted)
            {
                _accepting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>The endpoints bound right now, in the order they were bound.</summary>
    public IReadOnlyList<EndPoint> BoundEndPoints =>
        [.. _listeners.Values.OrderBy(l => l.EndPoint is IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ? 1 : 0).Select(l => l.EndPoint)];

    /// <summary>Binds <paramref name="endpoint"/> in this transport (port 0: a port of its own choosing); Kestrel calls it.</summary>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is IPEndPoint { Port: 0 } dynamic)
        {
            endpoint = new IPEndPoint(dynamic.Address, Interlocked.Increment(ref _nextPort));
        }

        var listener = new InMemoryConnectionListener(endpoint, l => _listeners.TryRemove(new KeyValuePair<EndPoint, InMemoryConnectionListener>(l.EndPoint, l)), () => _accepting.Task);
        if (!_listeners.TryAdd(endpoint, listener))
        {
            throw new AddressInUseException($"{endpoint} is already bound in this in-memory transport.");
        }

        return new ValueTask<IConnectionListener>(listener);
    }

    /// <summary>Connects to a bound endpoint; completes when the server accepts the connection.</summary>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        await ConnectInMemoryAsync(endpoint, cancellationToken);

    /// <inheritdoc cref="ConnectAsync"/>
    public ValueTask<InMemoryConnection> ConnectInMemoryAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ConnectInMemoryAsync(endpoint, ToServer, ToClient, cancellationToken);

    /// <summary>Connects with conditions of its own for each direction (null: as written).</summary>
    public ValueTask<InMemoryConnection> ConnectInMemoryAsync(EndPoint endpoint, NetworkConditions? toServer, NetworkConditions? toClient, CancellationToken cancellationToken = default) =>
        _listeners.TryGetValue(endpoint, out var listener)
            ? listener.ConnectAsync(toServer, toClient, cancellationToken)
            : ValueTask.FromException<InMemoryConnection>(new SocketException((int)SocketError.ConnectionRefused));

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}
