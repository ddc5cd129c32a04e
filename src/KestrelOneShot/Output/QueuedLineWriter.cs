using System.Threading.Channels;

namespace KestrelOneShot.Output;

/// <summary>
/// Lines for one output stream, written in order by a single consumer: the only thread that may
/// block on the stream (a full pipe, a paused terminal) is that consumer's, never a connection's.
/// A full queue either drops the line (counted, and said once the stream moves again) or makes the
/// caller wait asynchronously, as the constructor chooses.
/// </summary>
internal sealed class QueuedLineWriter
{
    private readonly TextWriter _target;
    private readonly Channel<Entry> _lines;
    private readonly Task _writing;
    private long _dropped;

    /// <param name="target">The stream's writer; every line is followed by a flush once the queue is empty.</param>
    /// <param name="capacity">How many lines may wait.</param>
    /// <param name="dropWhenFull">Drop (and count) a line that finds the queue full, rather than wait for room.</param>
    public QueuedLineWriter(TextWriter target, int capacity, bool dropWhenFull)
    {
        _target = target;
        _lines = Channel.CreateBounded<Entry>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = dropWhenFull ? BoundedChannelFullMode.DropWrite : BoundedChannelFullMode.Wait,
        }, _ => Interlocked.Increment(ref _dropped));
        _writing = Task.Run(WriteAllAsync);
    }

    /// <summary>The first error the stream gave; lines after it are discarded.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Queues <paramref name="line"/> without waiting; with dropWhenFull, a full queue drops it.</summary>
    public void WriteLine(string line) => _lines.Writer.TryWrite(new Entry(null, line, null));

    /// <summary>Queues <paramref name="line"/>, waiting (asynchronously) for room.</summary>
    public ValueTask WriteLineAsync(string line, CancellationToken cancellationToken = default) =>
        _lines.Writer.WriteAsync(new Entry(null, line, null), cancellationToken);

    /// <summary>Queues the line <paramref name="prefix"/> then <paramref name="text"/>, written without joining them first.</summary>
    public ValueTask WriteLineAsync(string prefix, string text, CancellationToken cancellationToken = default) =>
        _lines.Writer.WriteAsync(new Entry(prefix, text, null), cancellationToken);

    /// <summary>Completes once every line queued before it is written and flushed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _lines.Writer.WriteAsync(new Entry(null, null, flushed), cancellationToken);
        await flushed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Writes what is queued and stops; waits at most <paramref name="bound"/> for a stream that does not move.</summary>
    /// <returns>False when the bound ran out first.</returns>
    public async Task<bool> CompleteAsync(TimeSpan bound)
    {
        _lines.Writer.TryComplete();
        try
        {
            await _writing.WaitAsync(bound);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task WriteAllAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var entry))
            {
                if (entry.Line is { } line)
                {
                    Write(entry.Prefix, line);
                }
                else
                {
                    Flush();
                    entry.Flushed!.TrySetResult();
                }
            }

            if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
            {
                Write(null, $"warn: {dropped} lines were dropped here while this output was not being read");
            }

            Flush();
        }
    }

    private void Write(string? prefix, string line)
    {
        if (Failure is not null)
        {
            return;
        }

        try
        {
            if (prefix is not null)
            {
                _target.Write(prefix);
            }

            _target.WriteLine(line);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Failure = ex;
        }
    }

    private void Flush()
    {
        if (Failure is not null)
        {
            return;
        }

        try
        {
            _target.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            Failure = ex;
        }
    }

    /// <summary>A line to write (after its prefix, if any), or (with no line) a request to say when everything before it is written.</summary>
    private readonly record struct Entry(string? Prefix, string? Line, TaskCompletionSource? Flushed);
}
