using System.Diagnostics.CodeAnalysis;
using System.Net;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Transports;

/// <summary>
/// Wraps a transport so that no more than a cap of its connections are open at once: at the cap,
/// the next accept waits until a connection is disposed, and new connections wait in the kernel's
/// backlog. Kestrel's socket transport retries a failed accept at once, so at the file descriptor
/// limit (EMFILE) its accept loop would spin, allocating until the process runs out of memory, and
/// say so only at debug level; Kestrel's own MaxConcurrentConnections accepts first and closes
/// after, so a burst still reaches the limit. Waiting before the accept never needs a descriptor.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim holds nothing to dispose unless its AvailableWaitHandle is used, and this one's is not.")]
internal sealed class ConnectionCapTransport(IConnectionListenerFactory transport, int cap, ILogger logger) : IConnectionListenerFactory
{
    private readonly SemaphoreSlim _slots = new(cap, cap);

    public int Cap { get; } = cap;

    private ILogger Logger { get; } = logger;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new Listener(await transport.BindAsync(endpoint, cancellationToken), this);

    private sealed class Listener(IConnectionListener listener, ConnectionCapTransport owner) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => listener.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            if (!owner._slots.Wait(0, CancellationToken.None))
            {
                TransportsLog.AtConnectionCap(owner.Logger, owner.Cap);
                try
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
                    await owner._slots.WaitAsync(linked.Token);
                }
                catch (OperationCanceledException) when (_unbound.IsCancellationRequested)
                {
                    return null; // Unbound while waiting: as the transport's own accept would say.
                }
            }

            ConnectionContext? connection;
            try
            {
                connection = await listener.AcceptAsync(cancellationToken);
            }
            catch
            {
                owner._slots.Release();
                throw;
            }

            if (connection is null)
            {
                owner._slots.Release();
                return null;
            }

            return new CountedConnection(connection, owner._slots);
        }

        public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            await _unbound.CancelAsync();
            await listener.UnbindAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await listener.DisposeAsync();
            _unbound.Dispose();
        }
    }

    /// <summary>The transport's connection, giving its slot back once it is disposed (its descriptor closed).</summary>
    private sealed class CountedConnection(ConnectionContext connection, SemaphoreSlim slots) : ConnectionContext
    {
        private int _disposed;

        public override string ConnectionId
        {
            get => connection.ConnectionId;
            set => connection.ConnectionId = value;
        }

        public override IFeatureCollection Features => connection.Features;

        public override IDictionary<object, object?> Items
        {
            get => connection.Items;
            set => connection.Items = value;
        }

        public override System.IO.Pipelines.IDuplexPipe Transport
        {
            get => connection.Transport;
            set => connection.Transport = value;
        }

        public override CancellationToken ConnectionClosed
        {
            get => connection.ConnectionClosed;
            set => connection.ConnectionClosed = value;
        }

        public override EndPoint? LocalEndPoint
        {
            get => connection.LocalEndPoint;
            set => connection.LocalEndPoint = value;
        }

        public override EndPoint? RemoteEndPoint
        {
            get => connection.RemoteEndPoint;
            set => connection.RemoteEndPoint = value;
        }

        public override void Abort(ConnectionAbortedException abortReason) => connection.Abort(abortReason);

        public override void Abort() => connection.Abort();

        public override async ValueTask DisposeAsync()
        {
            await connection.DisposeAsync();
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                slots.Release();
            }

            await base.DisposeAsync();
        }
    }
}
