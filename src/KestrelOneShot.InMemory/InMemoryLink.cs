namespace KestrelOneShot.InMemory;

/// <summary>
/// The path from one app (or the test) to one host on an <see cref="InMemoryTransport"/>, with faults
/// of its own that the test changes while it runs: every connection on the link reads its
/// conditions when it reads, so a change reaches connections already open (a stall held by
/// <see cref="NetworkConditions.StallAfterBytes"/> is released by the next change, <see cref="Heal"/>
/// for one), and <see cref="RefusesConnections"/> partitions the link. Get one with
/// <see cref="InMemoryTransport.Link"/>.
/// </summary>
public sealed class InMemoryLink
{
    private TaskCompletionSource _changed = NewChange();

    internal InMemoryLink(InMemoryHost? from, InMemoryHost to)
    {
        From = from;
        To = to;
    }

    /// <summary>Where the link's connections come from; null for the test (this machine).</summary>
    public InMemoryHost? From { get; }

    /// <summary>The host the link's connections go to.</summary>
    public InMemoryHost To { get; }

    /// <summary>How the bytes the client sends reach <see cref="To"/> (requests); null: as the network's <see cref="InMemoryTransport.ToServer"/>.</summary>
    public NetworkConditions? ToServer
    {
        get;
        set
        {
            field = value;
            Changed();
        }
    }

    /// <summary>How the bytes <see cref="To"/> sends reach the client (responses); null: as the network's <see cref="InMemoryTransport.ToClient"/>.</summary>
    public NetworkConditions? ToClient
    {
        get;
        set
        {
            field = value;
            Changed();
        }
    }

    /// <summary>
    /// True partitions the link: a connect fails at once with "connection refused" (a
    /// <c>SocketException</c>, <c>HttpRequestError.ConnectionError</c> through an HttpClient), as from a
    /// host whose port is closed. Connections already open are not touched (stall or reset them).
    /// </summary>
    public bool RefusesConnections
    {
        get;
        set
        {
            field = value;
            Changed();
        }
    }

    /// <summary>Clears every fault of the link: its conditions, a partition, and any stall it holds.</summary>
    public void Heal()
    {
        ToServer = null;
        ToClient = null;
        RefusesConnections = false;
    }

    /// <summary>Completes at the link's next change: what a stalled connection waits for.</summary>
    internal Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary><c>gateway -> orders</c>, or <c>test -> orders</c>.</summary>
    public override string ToString() => $"{From?.Name ?? "test"} -> {To.Name}";

    private void Changed() => Interlocked.Exchange(ref _changed, NewChange()).TrySetResult();

    private static TaskCompletionSource NewChange() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
