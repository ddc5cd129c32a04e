namespace KestrelOneShot.InMemory.Internal;

/// <summary>
/// Where one direction of a connection finds its <see cref="NetworkConditions"/> each time it reads:
/// fixed when the connection was made, or its link's, which the test may change at any time.
/// </summary>
internal sealed class DirectionConditions
{
    private static readonly Task Never = new TaskCompletionSource().Task;

    private readonly NetworkConditions? _fixed;
    private readonly InMemoryLink? _link;
    private readonly bool _toServer;

    private DirectionConditions(NetworkConditions? @fixed, InMemoryLink? link, bool toServer)
    {
        _fixed = @fixed;
        _link = link;
        _toServer = toServer;
    }

    public static DirectionConditions None { get; } = new(null, null, false);

    public static DirectionConditions Fixed(NetworkConditions? conditions) => conditions is null ? None : new(conditions, null, false);

    /// <summary>The link's conditions for the direction; <paramref name="otherwise"/> while the link has none.</summary>
    public static DirectionConditions Of(InMemoryLink link, bool toServer, NetworkConditions? otherwise) => new(otherwise, link, toServer);

    public NetworkConditions? Current => (_toServer ? _link?.ToServer : _link?.ToClient) ?? _fixed;

    /// <summary>Completes when the conditions may have changed; never, for fixed ones.</summary>
    public Task NextChange => _link?.NextChange ?? Never;
}
