namespace KestrelOneShot.InMemory;

/// <summary>
/// How one direction of an in-memory connection delivers its bytes: in small segments, late, at a
/// bandwidth, or until a stall, a close or a reset. Deterministic (every wait runs on
/// <see cref="TimeProvider"/>), so a failing test replays and a <c>FakeTimeProvider</c> drives it.
/// Give them per transport (<see cref="InMemoryTransport.ToServer"/>, <see cref="InMemoryTransport.ToClient"/>),
/// per link (<see cref="InMemoryLink"/>, changeable while connections are open) or per connection
/// (<see cref="InMemoryTransport.ConnectInMemoryAsync(System.Net.EndPoint, NetworkConditions?, NetworkConditions?, CancellationToken)"/>).
/// Byte counts (stall, close, reset) count from the connection's first byte in that direction.
/// </summary>
public sealed record NetworkConditions
{
    /// <summary>
    /// Each read of the receiving end shows at most this many bytes it had not been shown yet
    /// (1 = one byte at a time); null delivers what was written as it was written.
    /// </summary>
    public int? MaxSegmentSize { get; init; }

    /// <summary>How long the receiving end waits before each further segment is shown (with <see cref="MaxSegmentSize"/>).</summary>
    public TimeSpan SegmentDelay { get; init; }

    /// <summary>The clock of <see cref="SegmentDelay"/>; a FakeTimeProvider makes delays a test's to advance.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Once the receiving end has taken this many bytes, the connection is reset: that end's next read
    /// fails with <c>ConnectionResetException</c>, and so does the sender's next write. 0 resets before any byte.
    /// </summary>
    public long? ResetAfterBytes { get; init; }

    /// <summary>How long bytes take to arrive: a read that finds bytes it has not shown yet shows them this much later.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>
    /// Bytes per second the direction carries: new bytes are shown after the time their count takes
    /// at this rate (with <see cref="MaxSegmentSize"/>, one segment at a time); null: no limit.
    /// </summary>
    public long? BytesPerSecond
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value ?? 1, 1);
            field = value;
        }
    }

    /// <summary>
    /// Once the receiving end has taken this many bytes, it is shown nothing more until the conditions
    /// change (<see cref="InMemoryLink.Heal"/>) or the connection is reset or closed: a stalled peer or
    /// a black-holed path. 0 on the way to the server accepts connections that are never read.
    /// </summary>
    public long? StallAfterBytes { get; init; }

    /// <summary>
    /// Once the receiving end has taken this many bytes, it reads the end of its input, as after the
    /// sender's FIN; what the sender writes after them is never shown.
    /// </summary>
    public long? CloseAfterBytes { get; init; }

    /// <summary>One byte per read: the classic way to find code that assumes a message arrives whole.</summary>
    public static NetworkConditions OneByteAtATime { get; } = new() { MaxSegmentSize = 1 };
}
