using System.Buffers;
using System.IO.Pipelines;
using System.Net;

using KestrelOneShot.InMemory.Internal;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace KestrelOneShot.InMemory;

/// <summary>
/// One end of an in-memory connection; the server's end goes to Kestrel, the client's to the test.
/// It behaves like TCP where tests care: completing your output is the peer's end of input,
/// aborting is a reset for the peer (its reads and writes fail with
/// <see cref="ConnectionResetException"/>), and both ends carry local and remote endpoints.
/// </summary>
/// <remarks>
/// Each end completes only the pipe ends it owns, and an abort reaches the other end through
/// <see cref="PipeReader.CancelPendingRead"/> and <see cref="PipeWriter.CancelPendingFlush"/>,
/// which are safe from any thread, so no end ever completes a pipe the other may be using.
/// </remarks>
public sealed class InMemoryConnection : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    private static long s_nextId;

    private readonly ResettableReader _input;
    private readonly ResettableWriter _output;
    private readonly CancellationTokenSource _closed = new();
    private InMemoryConnection? _peer;
    private IDuplexPipe _transport;
    private Exception? _failure;
    private int _disposed;

    private InMemoryConnection(PipeReader input, PipeWriter output, EndPoint local, EndPoint remote, DirectionConditions incoming)
    {
        _input = new ResettableReader(this, input, incoming);
        _output = new ResettableWriter(this, output);
        _transport = new DuplexPipe(_input, _output);
        ConnectionId = $"inmemory-{Interlocked.Increment(ref s_nextId)}";
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
    }

    /// <inheritdoc/>
    public override string ConnectionId { get; set; }

    /// <inheritdoc/>
    public override IFeatureCollection Features { get; } = new FeatureCollection();

    /// <inheritdoc/>
    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    /// <summary>This end's pipes: read what the peer sent, write what the peer will read.</summary>
    public override IDuplexPipe Transport
    {
        get => _transport;
        set => _transport = value;
    }

    /// <summary>Cancelled once this end is closed, reset or aborted.</summary>
    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("The transport owns the connection's lifetime.");
    }

    /// <summary>
    /// A <see cref="Stream"/> over this end's pipes, for code that wants one. Disposing it closes this
    /// end, as disposing a <c>NetworkStream</c> closes its socket.
    /// </summary>
    public Stream AsStream() => new DuplexPipeStream(this);

    /// <summary>Creates both ends: what one writes, the other reads, each direction under its own conditions.</summary>
    public static (InMemoryConnection Server, InMemoryConnection Client) CreatePair(
        EndPoint serverEndPoint,
        EndPoint clientEndPoint,
        PipeOptions? options = null,
        NetworkConditions? toServer = null,
        NetworkConditions? toClient = null) =>
        CreatePair(serverEndPoint, clientEndPoint, options, DirectionConditions.Fixed(toServer), DirectionConditions.Fixed(toClient));

    internal static (InMemoryConnection Server, InMemoryConnection Client) CreatePair(
        EndPoint serverEndPoint,
        EndPoint clientEndPoint,
        PipeOptions? options,
        DirectionConditions toServer,
        DirectionConditions toClient)
    {
        ArgumentNullException.ThrowIfNull(serverEndPoint);
        ArgumentNullException.ThrowIfNull(clientEndPoint);
        options ??= InMemoryTransport.PipeOptionsFor(InMemoryTransport.DefaultBufferSize);
        var serverward = new Pipe(options);
        var clientward = new Pipe(options);
        var server = new InMemoryConnection(serverward.Reader, clientward.Writer, serverEndPoint, clientEndPoint, toServer);
        var client = new InMemoryConnection(clientward.Reader, serverward.Writer, clientEndPoint, serverEndPoint, toClient);
        server._peer = client;
        client._peer = server;
        return (server, client);
    }

    /// <summary>Resets the connection: this end's pending and later I/O fails, and the peer sees a reset.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Fail(abortReason))
        {
            _peer?.Fail(new ConnectionResetException("The connection was reset by the peer.", abortReason));
        }
    }

    /// <summary>Closes this end: the peer reads its end of input, and this end's lifetime ends.</summary>
    public override ValueTask DisposeAsync()
    {
        Close();
        return base.DisposeAsync();
    }

    /// <summary>
    /// Closes this end at once: the peer reads its end of input, and a read pending on this end ends
    /// (with no more data), as when a socket is closed under it.
    /// </summary>
    internal void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _output.Complete();
            _input.CancelPendingRead();
            _input.Complete();
            SignalClosed();
        }
    }

    /// <summary>A reset that neither end asked for: both ends' I/O fails with <see cref="ConnectionResetException"/>.</summary>
    private void ResetByTheNetwork(string reason)
    {
        Fail(new ConnectionResetException(reason));
        _peer?.Fail(new ConnectionResetException(reason));
    }

    private bool Fail(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is not null)
        {
            return false;
        }

        _input.CancelPendingRead();
        _output.CancelPendingFlush();
        SignalClosed();
        return true;
    }

    private void SignalClosed()
    {
        // Cancelled off the caller's stack, as socket transports do: callbacks may be slow.
        ThreadPool.UnsafeQueueUserWorkItem(static closed => closed.Cancel(), _closed, preferLocal: false);
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw failure switch
            {
                ConnectionResetException reset => new ConnectionResetException(reset.Message, reset),
                _ => new ConnectionAbortedException(failure.Message, failure),
            };
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// The pipe's reader, failing once the connection was reset or aborted, and showing the bytes
    /// as the <see cref="NetworkConditions"/> of its direction say at each read.
    /// </summary>
    private sealed class ResettableReader(InMemoryConnection connection, PipeReader inner, DirectionConditions conditions) : PipeReader
    {
        private ReadOnlySequence<byte> _shown;
        private long _visible;
        private long _delivered;
        private bool _revealed;
        private bool _examinedAll;
        private CancellationTokenSource? _waiting;
        private int _cancelRequested;

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            connection.ThrowIfFailed();
            if (ReferenceEquals(conditions, DirectionConditions.None))
            {
                return Checked(await inner.ReadAsync(cancellationToken));
            }

            ResetIfDue(conditions.Current);
            var result = Checked(await inner.ReadAsync(cancellationToken));
            if (result.IsCanceled)
            {
                // The pipe's own read took the cancellation: it ends this read, without a wait.
                Volatile.Write(ref _cancelRequested, 0);
                var allowed = Next(result, conditions.Current);
                return Show(result, allowed.Limit, allowed.Closed);
            }

            while (true)
            {
                // Taken before the conditions are read: a change after this wakes the wait below.
                var change = conditions.NextChange;
                var current = conditions.Current;
                var next = Next(result, current);
                if (next.Stalled)
                {
                    if (!await WaitAsync(token => change.WaitAsync(token), cancellationToken))
                    {
                        return Canceled(result);
                    }

                    ResetIfDue(conditions.Current);
                    continue;
                }

                if (next.Delay > TimeSpan.Zero && !await WaitAsync(token => Task.Delay(next.Delay, current!.TimeProvider, token), cancellationToken))
                {
                    return Canceled(result);
                }

                return Show(result, next.Limit, next.Closed);
            }
        }

        public override bool TryRead(out ReadResult result)
        {
            connection.ThrowIfFailed();
            if (ReferenceEquals(conditions, DirectionConditions.None))
            {
                return inner.TryRead(out result);
            }

            var current = conditions.Current;
            ResetIfDue(current);
            if (!inner.TryRead(out var raw))
            {
                result = default;
                return false;
            }

            var next = Next(raw, current);
            // Bytes still on their way (a delay, a stall) have not arrived yet.
            if (next.Stalled || next.Delay > TimeSpan.Zero)
            {
                inner.AdvanceTo(raw.Buffer.Start);
                result = default;
                return false;
            }

            result = Show(raw, next.Limit, next.Closed);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (!ReferenceEquals(conditions, DirectionConditions.None))
            {
                _examinedAll = _shown.Slice(examined).IsEmpty;
                var taken = _shown.Slice(0, consumed).Length;
                _visible -= taken;
                _delivered += taken;
            }

            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead()
        {
            inner.CancelPendingRead();
            Volatile.Write(ref _cancelRequested, 1);
            Volatile.Read(ref _waiting)?.Cancel();
        }

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        private ReadResult Checked(ReadResult result)
        {
            if (result.IsCanceled)
            {
                connection.ThrowIfFailed();
            }

            return result;
        }

        /// <summary>
        /// What the conditions allow of <paramref name="result"/>'s bytes now: how many to show (never
        /// fewer than were shown), after how long, whether the input ends there, or whether it is held.
        /// </summary>
        private (long Limit, TimeSpan Delay, bool Closed, bool Stalled) Next(ReadResult result, NetworkConditions? current)
        {
            var available = result.Buffer.Length;
            if (current is null)
            {
                return (available, TimeSpan.Zero, false, false);
            }

            var limit = available;
            if (current.MaxSegmentSize is { } segment)
            {
                limit = Math.Min(limit, _visible + segment);
            }

            foreach (var threshold in (ReadOnlySpan<long?>)[current.ResetAfterBytes, current.StallAfterBytes, current.CloseAfterBytes])
            {
                if (threshold is { } bytes)
                {
                    limit = Math.Min(limit, Math.Max(0, bytes - _delivered));
                }
            }

            limit = Math.Max(limit, _visible);
            var arriving = limit - _visible;
            var closed = current.CloseAfterBytes is { } close && _delivered + limit >= close;
            var stalled = arriving == 0 && (_examinedAll || _visible == 0) && current.StallAfterBytes is { } stall && _delivered + limit >= stall && !closed;
            var delay = TimeSpan.Zero;
            if (arriving > 0)
            {
                delay = (_revealed ? current.SegmentDelay : TimeSpan.Zero) + current.Latency;
                if (current.BytesPerSecond is { } rate)
                {
                    delay += TimeSpan.FromSeconds((double)arriving / rate);
                }
            }

            return (limit, delay, closed, stalled);
        }

        private ReadResult Show(ReadResult result, long limit, bool closed)
        {
            var buffer = result.Buffer;
            _visible = limit;
            _revealed = true;
            _shown = buffer.Slice(0, limit);
            return new ReadResult(_shown, result.IsCanceled, closed || (result.IsCompleted && limit == buffer.Length));
        }

        /// <summary>A wait ended by <see cref="CancelPendingRead"/> (or the connection's end): what was shown, as a cancelled read.</summary>
        private ReadResult Canceled(ReadResult result)
        {
            _shown = result.Buffer.Slice(0, _visible);
            return new ReadResult(_shown, isCanceled: true, isCompleted: false);
        }

        /// <summary>
        /// Waits on the conditions' clock or change; false when a pending-read cancellation (or the
        /// connection's reset or close) ended it first, as it ends a pipe's pending read.
        /// </summary>
        private async ValueTask<bool> WaitAsync(Func<CancellationToken, Task> wait, CancellationToken cancellationToken)
        {
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Volatile.Write(ref _waiting, waiting);
            try
            {
                if (Interlocked.Exchange(ref _cancelRequested, 0) == 1)
                {
                    return false;
                }

                await wait(waiting.Token);
                return true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                connection.ThrowIfFailed();
                Volatile.Write(ref _cancelRequested, 0);
                return false;
            }
            finally
            {
                Interlocked.CompareExchange(ref _waiting, null, waiting);
            }
        }

        /// <summary>Once every byte before the reset has been shown and looked at, the sender resets the connection.</summary>
        private void ResetIfDue(NetworkConditions? current)
        {
            if (current?.ResetAfterBytes is { } reset && _delivered + _visible >= reset && (_examinedAll || reset == 0))
            {
                connection.ResetByTheNetwork($"The connection was reset after {reset} bytes (network conditions).");
                connection.ThrowIfFailed();
            }
        }
    }

    /// <summary>The pipe's writer, failing once the connection was reset or aborted.</summary>
    private sealed class ResettableWriter(InMemoryConnection connection, PipeWriter inner) : PipeWriter
    {
        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            connection.ThrowIfFailed();
            var result = await inner.FlushAsync(cancellationToken);
            if (result.IsCanceled)
            {
                connection.ThrowIfFailed();
            }

            return result;
        }

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        // Kestrel's HTTP/1.x output asks its transport's writer; System.Text.Json then flushes a large
        // body as it writes (WriteAsJsonAsync), as it does over the socket transport's pipe.
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        /// <summary>
        /// This end's output is done: the peer's lifetime ends too, as a socket transport's does when
        /// it reads the FIN (Kestrel aborts a request whose client closed that way).
        /// </summary>
        public override void Complete(Exception? exception = null)
        {
            inner.Complete(exception);
            connection._peer?.SignalClosed();
        }
    }
}
