namespace KestrelOneShot.InMemory;

/// <summary>
/// How one direction of an in-memory connection delivers its bytes: in small segments, slowly, or
/// until a reset. Deterministic (delays run on <see cref="TimeProvider"/>), so a failing test replays.
/// Give them per transport (<see cref="InMemoryTransport.ToServer"/>, <see cref="InMemoryTransport.ToClient"/>)
/// or per connection (<see cref="InMemoryTransport.ConnectInMemoryAsync(System.Net.EndPoint, NetworkConditions?, NetworkConditions?, CancellationToken)"/>).
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

    /// <summary>One byte per read: the classic way to find code that assumes a message arrives whole.</summary>
    public static NetworkConditions OneByteAtATime { get; } = new() { MaxSegmentSize = 1 };
}
