namespace KestrelOneShot.ProxyProtocol;

/// <summary>Whether connections start with a PROXY protocol header (v1 or v2).</summary>
internal enum ProxyProtocolMode
{
    /// <summary>No header is read: <see cref="ListenOptionsProxyProtocolExtensions.UseProxyProtocol"/> adds nothing.</summary>
    Off,

    /// <summary>Every connection must start with a valid header.</summary>
    Required,

    /// <summary>A header is read when the connection starts with a signature; plain connections pass.</summary>
    Optional,
}
