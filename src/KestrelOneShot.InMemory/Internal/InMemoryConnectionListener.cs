using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.InMemory.Internal;

/// <summary>
/// A bound in-memory endpoint. A client's connect completes when Kestrel accepts it; connects still
/// waiting when the listener is unbound or disposed fail with "connection refused".
/// </summary>
internal sealed class InMemoryConnectionListener(EndPoint endPoint, InMemoryHost? host, Action<InMemoryConnectionListener> unbound, Func<Task> accepting, Func<PipeOptions> pipeOptions, long bindOrder) : IConnectionListener
{
    private readonly Channel<PendingConnect> _backlog = Channel.CreateUnbounded<PendingConnect>();
    /// <summary>The IANA ephemeral range a client's port is taken from, as the kernel does, round and round.</summary>
    private const int FirstClientPort = 49152;

    private const int ClientPortCount = 65536 - FirstClientPort;

    private uint _clientPorts;

    public EndPoint EndPoint { get; } = endPoint;

    public long BindOrder { get; } = bindOrder;

    /// <summary>The named host that bound it; null for an app on the network without a name.</summary>
    public InMemoryHost? Host { get; } = host;

    /// <summary>
    /// A connect; the address the client dialled is the server's local address when it bound a
    /// wildcard. The client's address is <paramref name="from"/>, or, for a client without one,
    /// the loopback address the server is on, as for a client on the same machine.
    /// </summary>
    public ValueTask<InMemoryConnection> ConnectAsync(IPEndPoint? dialled, IPAddress? from, DirectionConditions toServer, DirectionConditions toClient, CancellationToken cancellationToken)
    {
        var local = EndPoint is IPEndPoint bound && IsWildcard(bound.Address) ? new IPEndPoint(dialled?.Address ?? IPAddress.Loopback, bound.Port) : EndPoint;
        var (server, client) = InMemoryConnection.CreatePair(local, ClientEndPoint(local, from), pipeOptions(), toServer, toClient);
        var pending = new PendingConnect(server, client, cancellationToken);
        if (!_backlog.Writer.TryWrite(pending))
        {
            throw Refused();
        }

        return AcceptedAsync(pending);
    }

    /// <summary>
    /// The connect's outcome; its registration on the caller's token ends with it, since a token that
    /// outlives many connects (a test's own) would otherwise hold every connection it ever made.
    /// </summary>
    private static async ValueTask<InMemoryConnection> AcceptedAsync(PendingConnect pending)
    {
        using (pending)
        {
            return await pending.Accepted.Task;
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            while (await _backlog.Reader.WaitToReadAsync(cancellationToken))
            {
                // While the transport holds connects, they wait here, unaccepted (or are refused on unbind).
                await Task.WhenAny(accepting(), _backlog.Reader.Completion).WaitAsync(cancellationToken);
                while (_backlog.Reader.TryRead(out var pending))
                {
                    // A connect the client gave up on is dropped, as a half-open handshake would be.
                    if (pending.Accepted.TrySetResult(pending.Client))
                    {
                        return pending.Server;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null; // Kestrel's signal that this listener is done.
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        if (_backlog.Writer.TryComplete())
        {
            while (_backlog.Reader.TryRead(out var pending))
            {
                pending.Accepted.TrySetException(Refused());
            }

            unbound(this);
        }

        return default;
    }

    public ValueTask DisposeAsync() => UnbindAsync();

    private static SocketException Refused() => new((int)SocketError.ConnectionRefused);

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    private IPEndPoint ClientEndPoint(EndPoint local, IPAddress? from)
    {
        var address = from ?? (local is IPEndPoint ip && !IsWildcard(ip.Address) && Host is null ? ip.Address : IPAddress.Loopback);
        // Past the range's end the next port is its first again: a long test opens more connections
        // than the range holds (the ones that share a port were closed long before).
        return new IPEndPoint(address, FirstClientPort + (int)(Interlocked.Increment(ref _clientPorts) % ClientPortCount));
    }

    private sealed class PendingConnect : IDisposable
    {
        private readonly CancellationTokenRegistration _cancellation;

        public PendingConnect(InMemoryConnection server, InMemoryConnection client, CancellationToken cancellationToken)
        {
            Server = server;
            Client = client;
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.Register(() => Accepted.TrySetCanceled(cancellationToken));
            }
        }

        public InMemoryConnection Server { get; }

        public InMemoryConnection Client { get; }

        public TaskCompletionSource<InMemoryConnection> Accepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose() => _cancellation.Dispose();
    }
}
