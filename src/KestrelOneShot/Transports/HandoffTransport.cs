using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace KestrelOneShot.Transports;

/// <summary>
/// Kestrel's transport, plus endpoints inside the process (<see cref="HandoffEndPoint"/>) that take
/// connections another endpoint's middleware hands over. This is how one listener serves both HTTP/1.x
/// and HTTP/2 with prior knowledge: Kestrel chooses the protocol per endpoint, never per cleartext
/// connection, so the listener's own pipeline looks at the first bytes and hands each connection to
/// the endpoint of its protocol, where Kestrel's own HTTP layer serves it.
/// </summary>
internal sealed class HandoffTransport(IConnectionListenerFactory transport) : IConnectionListenerFactory
{
    private readonly ConcurrentDictionary<HandoffEndPoint, Listener> _listeners = new();

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not HandoffEndPoint handoff)
        {
            return transport.BindAsync(endpoint, cancellationToken);
        }

        var listener = new Listener(handoff, this);
        return _listeners.TryAdd(handoff, listener)
            ? ValueTask.FromResult<IConnectionListener>(listener)
            : throw new InvalidOperationException($"{endpoint} is already bound.");
    }

    /// <summary>
    /// Serves <paramref name="connection"/> on <paramref name="endpoint"/>'s pipeline and completes when
    /// that pipeline is done with it; false when the endpoint is not listening (the server is stopping).
    /// </summary>
    public async Task<bool> HandOffAsync(ConnectionContext connection, HandoffEndPoint endpoint)
    {
        if (!_listeners.TryGetValue(endpoint, out var listener))
        {
            return false;
        }

        var handedOff = new HandedOffConnection(connection);
        if (!listener.Offer(handedOff))
        {
            return false;
        }

        await handedOff.Completed;
        return true;
    }

    private sealed class Listener(HandoffEndPoint endpoint, HandoffTransport owner) : IConnectionListener
    {
        private readonly Channel<ConnectionContext> _pending = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = true });

        public EndPoint EndPoint => endpoint;

        public bool Offer(ConnectionContext connection) => _pending.Writer.TryWrite(connection);

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await _pending.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return null; // Unbound: Kestrel's accept loop ends.
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            owner._listeners.TryRemove(new KeyValuePair<HandoffEndPoint, Listener>(endpoint, this));
            _pending.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }

    /// <summary>
    /// The connection as the second endpoint sees it: the same bytes, features and endpoints; when that
    /// endpoint's pipeline disposes it, the first endpoint's middleware goes on (and closes the real one).
    /// </summary>
    private sealed class HandedOffConnection(ConnectionContext connection) : ConnectionContext
    {
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Completed => _completed.Task;

        public override string ConnectionId { get => connection.ConnectionId; set => connection.ConnectionId = value; }

        public override IFeatureCollection Features => connection.Features;

        public override IDictionary<object, object?> Items { get => connection.Items; set => connection.Items = value; }

        public override IDuplexPipe Transport { get => connection.Transport; set => connection.Transport = value; }

        public override EndPoint? LocalEndPoint { get => connection.LocalEndPoint; set => connection.LocalEndPoint = value; }

        public override EndPoint? RemoteEndPoint { get => connection.RemoteEndPoint; set => connection.RemoteEndPoint = value; }

        public override CancellationToken ConnectionClosed { get => connection.ConnectionClosed; set => connection.ConnectionClosed = value; }

        public override void Abort(ConnectionAbortedException abortReason) => connection.Abort(abortReason);

        public override ValueTask DisposeAsync()
        {
            _completed.TrySetResult();
            return base.DisposeAsync(); // Not the real connection's: its own endpoint disposes that one.
        }
    }
}
