namespace KestrelOneShot.Hosting;

/// <summary>
/// The <c>OneShot</c> configuration section. Defaults live here, so the app behaves as
/// documented from any working directory, with or without an appsettings.json.
/// </summary>
public sealed class OneShotOptions
{
    public const string SectionName = "OneShot";

    public const string LocalhostAddress = "localhost";

    public const string AnyAddress = "any";

    public int Port { get; set; } = 9999;

    /// <summary><c>localhost</c>, <c>any</c>, or an IPv4/IPv6 literal.</summary>
    public string Address { get; set; } = LocalhostAddress;

    public int MaxMessageBytes { get; set; } = 100;

    public string Response { get; set; } = "Good talking to you\n";

    /// <summary>
    /// Kept as text so the friendly forms (<c>30s</c>, <c>500ms</c>) bind; <see cref="Duration"/> reads it.
    /// </summary>
    public string ReadTimeout { get; set; } = "30s";

    public string? WaitTimeout { get; set; }

    /// <summary>How many messages to serve before stopping; probes never count.</summary>
    public int Count { get; set; } = 1;

    public ProxyProtocolMode ProxyProtocol { get; set; } = ProxyProtocolMode.Off;

    /// <summary>Where to write the JSON report of the run, if anywhere.</summary>
    public string? ReportPath { get; set; }
}

/// <summary>Whether connections start with a PROXY protocol header (v1 or v2).</summary>
public enum ProxyProtocolMode
{
    Off,

    /// <summary>Every connection must start with a valid header.</summary>
    Required,

    /// <summary>A header is read when the connection starts with a signature; plain connections pass.</summary>
    Optional,
}
