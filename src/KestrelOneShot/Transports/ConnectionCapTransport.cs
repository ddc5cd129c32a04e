using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
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
/// <remarks>
/// At the cap, connections that have sent nothing (idle sockets, with no read timeout to close them)
/// would keep a real client in the backlog for ever. So while one of them is open, the listener
/// accepts one connection past the cap (the descriptor budget keeps a reserve for it) and, once that
/// one has arrived, closes the oldest connection that has sent nothing, as nginx drains idle
/// connections when it runs out of them. Nothing is closed until a newcomer is actually there.
/// </remarks>
[SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim holds nothing to dispose unless its AvailableWaitHandle is used, and this one's is not.")]
internal sealed class ConnectionCapTransport(IConnectionListenerFactory transport, int cap, ILogger logger) : IConnectionListenerFactory
{
    private readonly SemaphoreSlim _slots = new(cap, cap);

    // Open connections, oldest first, for the eviction of the oldest silent one.
    private readonly LinkedList<CountedConnection> _open = new();

    // 1 while one connection more than the cap is open: accepted past it, and not yet paid back by
    // the next connection to close (the one evicted for it, usually). There is never more than one.
    private int _borrowed;

    private TaskCompletionSource _chance = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Cap { get; } = cap;

    /// <summary>
    /// <paramref name="transport"/> (whichever is registered: the kit swaps in its own), with its
    /// connections capped below the file descriptor limit where the system has one.
    /// </summary>
    public static IConnectionListenerFactory CapToDescriptors(IConnectionListenerFactory transport, ILoggerFactory loggers)
    {
        if (DescriptorBudget.Measure() is not { } budget)
        {
            return transport;
        }

        var logger = loggers.CreateLogger<ConnectionCapTransport>();
        var cap = (int)Math.Min(budget.Limit, int.MaxValue);
        TransportsLog.ConnectionCap(logger, cap, budget.Open, budget.Soft, budget.Reserve);
        return new ConnectionCapTransport(transport, cap, logger);
    }

    private ILogger Logger { get; } = logger;

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new Listener(await transport.BindAsync(endpoint, cancellationToken), this);

    private sealed class Listener(IConnectionListener listener, ConnectionCapTransport owner) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => listener.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var pastCap = false;
            if (!owner._slots.Wait(0, CancellationToken.None))
            {
                TransportsLog.AtConnectionCap(owner.Logger, owner.Cap);
                try
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
                    pastCap = !await WaitForAPlaceAsync(linked);
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
                owner.Release();
                throw;
            }

            if (connection is null)
            {
                owner.Release();
                return null;
            }

            var counted = owner.Track(new CountedConnection(connection, owner));
            // Past the cap, the newcomer is here: make room, unless a connection closed while it was
            // awaited and paid the place back.
            if (pastCap && Volatile.Read(ref owner._borrowed) == 1)
            {
                owner.EvictOldestSilent();
            }

            return counted;
        }

        /// <summary>
        /// Waits at the cap until a connection closes (true: its place is taken) or one is silent while
        /// no place is borrowed (false: accept past the cap). Connections are usually read only after
        /// the accept loop has reached the cap, so silence is watched for, not looked at once.
        /// </summary>
        private async Task<bool> WaitForAPlaceAsync(CancellationTokenSource linked)
        {
            while (true)
            {
                var chance = owner.NextChance();
                if (owner.HasSilentConnection() && Interlocked.CompareExchange(ref owner._borrowed, 1, 0) == 0)
                {
                    return false;
                }

                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
                var place = owner._slots.WaitAsync(stopWaiting.Token);
                if (await Task.WhenAny(place, chance) == place)
                {
                    await place;
                    return true;
                }

                await stopWaiting.CancelAsync();
                try
                {
                    await place;
                    return true; // Taken just before the wait was given up: it is ours.
                }
                catch (OperationCanceledException) when (!linked.IsCancellationRequested)
                {
                    // Given up for the chance: look again.
                }
            }
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

    /// <summary>
    /// Completes at the next change that can let a waiting accept go past the cap: a connection
    /// falls silent (begins to wait for its first bytes), or the borrowed place is paid back.
    /// </summary>
    private Task NextChance() => Volatile.Read(ref _chance).Task;

    private void Chance() => Interlocked.Exchange(ref _chance, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private bool HasSilentConnection()
    {
        lock (_open)
        {
            return _open.Any(c => c.IsSilent);
        }
    }

    private CountedConnection Track(CountedConnection connection)
    {
        lock (_open)
        {
            connection.Node = _open.AddLast(connection);
        }

        return connection;
    }

    private void EvictOldestSilent()
    {
        CountedConnection? oldest;
        lock (_open)
        {
            oldest = _open.FirstOrDefault(c => c.IsSilent);
        }
        if (oldest is not null)
        {
            TransportsLog.EvictedSilent(Logger, Cap, oldest.ConnectionId, oldest.RemoteEndPoint);
            oldest.Abort(new ConnectionAbortedException($"closed at the connection cap ({Cap}) to make room: it had sent nothing"));
        }
    }

    /// <summary>Gives the connection's place back once it is disposed (its descriptor closed).</summary>
    private void Release(CountedConnection connection)
    {
        lock (_open)
        {
            if (connection.Node is { List: not null } node)
            {
                _open.Remove(node);
            }
        }

        Release();
    }

    /// <summary>A place given back pays the borrowed one first: then the count is back within the cap.</summary>
    private void Release()
    {
        if (Interlocked.CompareExchange(ref _borrowed, 0, 1) == 1)
        {
            Chance();
        }
        else
        {
            _slots.Release();
        }
    }

    /// <summary>The transport's connection, giving its place back once it is disposed, and noting whether it has sent anything.</summary>
    private sealed class CountedConnection : ConnectionContext
    {
        private readonly ConnectionContext _connection;
        private readonly ConnectionCapTransport _owner;
        private readonly SilenceWatchingReader _input;
        private int _disposed;

        public CountedConnection(ConnectionContext connection, ConnectionCapTransport owner)
        {
            _connection = connection;
            _owner = owner;
            _input = new SilenceWatchingReader(connection.Transport.Input, owner.Chance);
            connection.Transport = new WatchedPipe(_input, connection.Transport.Output);
        }

        public LinkedListNode<CountedConnection>? Node { get; set; }

        /// <summary>Waiting for its first bytes, with none come yet (<see cref="SilenceWatchingReader"/>).</summary>
        public bool IsSilent => _input.IsSilent;

        public override string ConnectionId
        {
            get => _connection.ConnectionId;
            set => _connection.ConnectionId = value;
        }

        public override IFeatureCollection Features => _connection.Features;

        public override IDictionary<object, object?> Items
        {
            get => _connection.Items;
            set => _connection.Items = value;
        }

        public override IDuplexPipe Transport
        {
            get => _connection.Transport;
            set => _connection.Transport = value;
        }

        public override CancellationToken ConnectionClosed
        {
            get => _connection.ConnectionClosed;
            set => _connection.ConnectionClosed = value;
        }

        public override EndPoint? LocalEndPoint
        {
            get => _connection.LocalEndPoint;
            set => _connection.LocalEndPoint = value;
        }

        public override EndPoint? RemoteEndPoint
        {
            get => _connection.RemoteEndPoint;
            set => _connection.RemoteEndPoint = value;
        }

        public override void Abort(ConnectionAbortedException abortReason) => _connection.Abort(abortReason);

        public override void Abort() => _connection.Abort();

        public override async ValueTask DisposeAsync()
        {
            await _connection.DisposeAsync();
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _owner.Release(this);
            }

            await base.DisposeAsync();
        }
    }

    private sealed class WatchedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
