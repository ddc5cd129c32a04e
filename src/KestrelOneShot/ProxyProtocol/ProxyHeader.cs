using System.Net;

namespace KestrelOneShot.ProxyProtocol;

internal enum ProxyCommand
{
    /// <summary>The proxy speaks for itself (a v2 health check): the connection carries no client.</summary>
    Local,

    /// <summary>The connection carries a client's traffic.</summary>
    Proxy,
}

/// <summary>A type-length-value field of a v2 header, kept raw.</summary>
internal sealed record ProxyTlv(byte Type, byte[] Value);

/// <summary>
/// A parsed PROXY protocol header, set on the connection as a feature. Source and destination are
/// null where the header carries none (v1 UNKNOWN, v2 LOCAL, UNSPEC or UNIX addresses).
/// </summary>
internal sealed record ProxyHeader(int Version, ProxyCommand Command, IPEndPoint? Source, IPEndPoint? Destination, IReadOnlyList<ProxyTlv> Tlvs)
{
    /// <summary>The proxy itself: the connection's own remote endpoint, before the header replaced it.</summary>
    public EndPoint? Hop { get; init; }
}
