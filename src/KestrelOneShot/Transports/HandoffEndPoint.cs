using System.Net;

namespace KestrelOneShot.Transports;

/// <summary>
/// An endpoint inside the process that Kestrel listens on like any other, and that connections reach
/// only by being handed over (<see cref="HandoffTransport.HandOffAsync"/>) by a middleware that has
/// already chosen where they go; <paramref name="Name"/> tells the endpoints apart (<c>http1</c>, <c>h2</c>).
/// </summary>
internal sealed class HandoffEndPoint(string name) : EndPoint
{
    private const string Scheme = "handoff:";

    public string Name { get; } = name;

    /// <summary>Whether a bound address, as Kestrel lists it, is one of these rather than a listener of the outside world's.</summary>
    public static bool IsHandoffAddress(string address) => address.Contains(Scheme, StringComparison.Ordinal);

    public override string ToString() => Scheme + Name;

    public override bool Equals(object? obj) => obj is HandoffEndPoint other && other.Name == Name;

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}
