namespace KestrelOneShot.Tests;

/// <summary>
/// Reads a child process's output stream as it comes, and can stop reading (the pipe then fills, as
/// behind a paused terminal or a stalled consumer) and start again.
/// </summary>
internal sealed class PausableReader
{
    private readonly StreamReader _reader;
    private readonly Action<string> _onText;
    private readonly char[] _buffer = new char[4096];
    private volatile bool _closed;
    private TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="onText">Gets the text in the pieces it is read in.</param>
    public PausableReader(StreamReader reader, Action<string> onText, bool paused = false)
    {
        _reader = reader;
        _onText = onText;
        if (!paused)
        {
            _running.SetResult();
        }

        Completion = Task.Run(ReadAllAsync);
    }

    /// <summary>Completes at the end of the stream.</summary>
    public Task Completion { get; }

    /// <summary>No read is started after the one under way.</summary>
    public void Pause()
    {
        lock (_reader)
        {
            if (_running.Task.IsCompleted)
            {
                _running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Closes the reading end: the app's next write to the stream fails (EPIPE). Only while paused.</summary>
    public void Close()
    {
        _closed = true;
        _reader.Dispose();
        Resume();
    }

    public void Resume()
    {
        lock (_reader)
        {
            _running.TrySetResult();
        }
    }

    private async Task ReadAllAsync()
    {
        while (true)
        {
            Task running;
            lock (_reader)
            {
                running = _running.Task;
            }

            await running;
            if (_closed)
            {
                return;
            }

            int read;
            try
            {
                read = await _reader.ReadAsync(_buffer);
            }
            catch (ObjectDisposedException)
            {
                return; // Closed on purpose.
            }

            if (read == 0)
            {
                return;
            }

            _onText(new string(_buffer, 0, read));
        }
    }
}
