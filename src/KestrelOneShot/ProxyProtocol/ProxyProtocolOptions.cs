namespace KestrelOneShot.ProxyProtocol;

/// <summary>How an endpoint reads PROXY protocol headers.</summary>
internal sealed class ProxyProtocolOptions
{
    public ProxyProtocolMode Mode { get; set; } = ProxyProtocolMode.Required;

    /// <summary>A header not complete by then is rejected (a connection silent until then is a probe); zero waits for ever.</summary>
    public TimeSpan HeaderTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
