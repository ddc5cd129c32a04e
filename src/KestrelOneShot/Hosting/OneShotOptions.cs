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
}
