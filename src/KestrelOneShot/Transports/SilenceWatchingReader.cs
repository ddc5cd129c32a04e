using System.IO.Pipelines;

namespace KestrelOneShot.Transports;

/// <summary>
/// A connection's input as it is, noting whether it is silent: the application waits on a read and
/// no read has yet returned data or the end of input. A connection just accepted, not read yet, is
/// not silent: its first bytes may be there. <c>onSilent</c> is told when it falls silent. Once it
/// has spoken, reads pass straight through.
/// </summary>
internal sealed class SilenceWatchingReader(PipeReader inner, Action onSilent) : PipeReader
{
    private volatile bool _hasSpoken;
    private volatile bool _waiting;

    /// <summary>Waiting for its first bytes, with none come yet.</summary>
    public bool IsSilent => _waiting && !_hasSpoken;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_hasSpoken)
        {
            return inner.ReadAsync(cancellationToken);
        }

        var read = inner.ReadAsync(cancellationToken);
        if (read.IsCompletedSuccessfully)
        {
            // A value task may be read once: one backed by the pipe's own source, completed in the
            // moment since it was returned, would fail its caller's await had it been read here too.
            var result = read.Result;
            Watch(result);
            return new ValueTask<ReadResult>(result);
        }

        return WatchAsync(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        Watch(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private async ValueTask<ReadResult> WatchAsync(ValueTask<ReadResult> read)
    {
        _waiting = true;
        onSilent();
        try
        {
            var result = await read;
            Watch(result);
            return result;
        }
        finally
        {
            _waiting = false;
        }
    }

    private void Watch(in ReadResult result)
    {
        if (!result.Buffer.IsEmpty || result.IsCompleted)
        {
            _hasSpoken = true;
        }
    }
}
