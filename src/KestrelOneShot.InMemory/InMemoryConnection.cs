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

    private InMemoryConnection(PipeReader input, PipeWriter output, EndPoint local, EndPoint remote, NetworkConditions? incoming)
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
        NetworkConditions? toClient = null)
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
    /// as the <see cref="NetworkConditions"/> of its direction say.
    /// </summary>
    private sealed class ResettableReader(InMemoryConnection connection, PipeReader inner, NetworkConditions? conditions) : PipeReader
    {
        private ReadOnlySequence<byte> _shown;
        private long _visible;
        private long _delivered;
        private bool _revealed;
        private bool _examinedAll;

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            connection.ThrowIfFailed();
            if (conditions is null)
            {
                return Checked(await inner.ReadAsync(cancellationToken));
            }

            ResetIfDue();
            if (_revealed && conditions.SegmentDelay > TimeSpan.Zero)
            {
                await Task.Delay(conditions.SegmentDelay, conditions.TimeProvider, cancellationToken);
            }

            return Show(Checked(await inner.ReadAsync(cancellationToken)));
        }

        public override bool TryRead(out ReadResult result)
        {
            connection.ThrowIfFailed();
            if (conditions is null)
            {
                return inner.TryRead(out result);
            }

            ResetIfDue();
            // A further segment after a delay has not arrived yet.
            if ((_revealed && conditions.SegmentDelay > TimeSpan.Zero) || !inner.TryRead(out result))
            {
                result = default;
                return false;
            }

            result = Show(result);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            if (conditions is not null)
            {
                _examinedAll = _shown.Slice(examined).IsEmpty;
                var taken = _shown.Slice(0, consumed).Length;
                _visible -= taken;
                _delivered += taken;
            }

            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        private ReadResult Checked(ReadResult result)
        {
            if (result.IsCanceled)
            {
                connection.ThrowIfFailed();
            }

            return result;
        }

        /// <summary>The next segment: what was shown and not taken, and at most one segment more.</summary>
        private ReadResult Show(ReadResult result)
        {
            var buffer = result.Buffer;
            var limit = buffer.Length;
            if (conditions!.MaxSegmentSize is { } segment)
            {
                limit = Math.Min(limit, _visible + segment);
            }

            if (conditions.ResetAfterBytes is { } reset)
            {
                limit = Math.Min(limit, Math.Max(0, reset - _delivered));
            }

            _visible = limit;
            _revealed = true;
            _shown = buffer.Slice(0, limit);
            return new ReadResult(_shown, result.IsCanceled, result.IsCompleted && limit == buffer.Length);
        }

        /// <summary>Once every byte before the reset has been shown and looked at, the sender resets the connection.</summary>
        private void ResetIfDue()
        {
            if (conditions!.ResetAfterBytes is { } reset && _delivered + _visible >= reset && (_examinedAll || reset == 0))
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
