using System.IO.Pipelines;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Connections;

/// <summary>How a read that waits for a connection's first bytes ended.</summary>
internal enum FirstReadEnd
{
    /// <summary>Bytes arrived (the buffer is not empty).</summary>
    Data,

    /// <summary>The peer ended its output without sending anything.</summary>
    Closed,

    /// <summary>Nothing arrived within the read timeout.</summary>
    TimedOut,

    /// <summary>The peer reset the connection (or it was aborted) before sending anything.</summary>
    Reset,

    /// <summary>Kestrel asked the connection to close: the server is stopping.</summary>
    Stopping,
}

/// <summary>
/// The one way every stage (the PROXY header, the TLS check, the message, HTTP) waits for bytes that
/// decide what a connection is: the read, its deadline, and the four ways it can end without data,
/// told apart once so that each stage names them in the same words (<see cref="Describe"/>).
/// </summary>
internal readonly record struct FirstRead(FirstReadEnd End, ReadResult Result, string? ResetReason, TimeSpan Timeout)
{
    /// <summary>True when bytes arrived: <see cref="Result"/> holds them and must be advanced.</summary>
    public bool HasData => End == FirstReadEnd.Data;

    /// <summary>
    /// Reads once under <paramref name="deadline"/>. An empty completed read is advanced here, so the
    /// caller advances only a read that has data.
    /// </summary>
    public static async ValueTask<FirstRead> ReadAsync(PipeReader input, ReadDeadline deadline, TimeSpan timeout)
    {
        try
        {
            return Ended(input, await input.ReadAsync(deadline.Token), timeout);
        }
        catch (OperationCanceledException) when (deadline.TimedOut)
        {
            return new(FirstReadEnd.TimedOut, default, null, timeout);
        }
        catch (Exception ex) when (IsStop(ex) || IsReset(ex))
        {
            return Failed(ex, timeout);
        }
    }

    /// <summary>Reads a connection's first bytes under its own deadline of <paramref name="timeout"/> (zero: none).</summary>
    public static async ValueTask<FirstRead> ReadAsync(ConnectionContext connection, TimeSpan timeout, TimeProvider time)
    {
        var input = connection.Transport.Input;
        try
        {
            // Usually the bytes are already in the pipe: then no deadline (and no token source) is needed.
            if (input.TryRead(out var ready))
            {
                if (!ready.Buffer.IsEmpty || ready.IsCompleted)
                {
                    return Ended(input, ready, timeout);
                }

                input.AdvanceTo(ready.Buffer.End);
            }
        }
        catch (Exception ex) when (IsStop(ex) || IsReset(ex))
        {
            return Failed(ex, timeout);
        }

        using var deadline = new ReadDeadline(connection, timeout, time);
        return await ReadAsync(input, deadline, timeout);
    }

    private static FirstRead Ended(PipeReader input, ReadResult result, TimeSpan timeout)
    {
        if (!result.Buffer.IsEmpty)
        {
            return new(FirstReadEnd.Data, result, null, timeout);
        }

        input.AdvanceTo(result.Buffer.End);
        return new(result.IsCanceled ? FirstReadEnd.Stopping : FirstReadEnd.Closed, result, null, timeout);
    }

    private static FirstRead Failed(Exception ex, TimeSpan timeout) =>
        IsStop(ex) ? new(FirstReadEnd.Stopping, default, null, timeout) : new(FirstReadEnd.Reset, default, ex.Message, timeout);

    private static bool IsStop(Exception ex) => ex is OperationCanceledException;

    private static bool IsReset(Exception ex) => ex is IOException or ConnectionResetException or ConnectionAbortedException;

    /// <summary>How a read without data ended, in the words every stage uses ("closed without sending data").</summary>
    public string Describe() => End switch
    {
        FirstReadEnd.Closed => "closed without sending data",
        FirstReadEnd.TimedOut => $"sent nothing within {Duration.Format(Timeout)}",
        FirstReadEnd.Reset => $"reset before sending data: {ResetReason}",
        FirstReadEnd.Stopping => "closed unanswered: the server is stopping",
        _ => "sent data",
    };
}
