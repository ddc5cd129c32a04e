using System.Globalization;
using System.Net;

using KestrelOneShot.Connections;
using KestrelOneShot.ProxyProtocol;

namespace KestrelOneShot.Configuration;

/// <summary>
/// One option of the <c>OneShot</c> section, defined once: its key, its switch, its default, how its
/// text is read, what is accepted (the words of every error about it) and its help line. The
/// command line's mappings, the unknown-switch check, <c>--help</c>, the binder and the validation
/// messages all come from <see cref="All"/>.
/// </summary>
internal abstract class OneShotOption
{
    private protected OneShotOption(string key, string @switch, string valueName, string accepted, string help)
    {
        Key = key;
        Switch = @switch;
        ValueName = valueName;
        Accepted = accepted;
        Help = help;
    }

    public static OneShotOption<int> Port { get; } = new(
        nameof(OneShotOptions.Port), "--port", "<0..65535>", "a whole number from 0 to 65535 (0 = a free port)",
        "port to listen on; 0 = a free port", 9999, TryParseWhole, Whole, o => o.Port, (o, v) => o.Port = v, v => v is >= 0 and <= 65535);

    public static OneShotOption<string> Address { get; } = new(
        nameof(OneShotOptions.Address), "--address", "<address>", "localhost, any, or an IPv4/IPv6 literal",
        "localhost, any, or an IPv4/IPv6 literal", OneShotOptions.LocalhostAddress, TryParseText, Text, o => o.Address, (o, v) => o.Address = v, IsListenAddress);

    public static OneShotOption<int> MaxMessageBytes { get; } = new(
        nameof(OneShotOptions.MaxMessageBytes), "--max-bytes", $"<1..{OneShotOptions.MaxMessageBytesLimit}>",
        $"a whole number from 1 to {OneShotOptions.MaxMessageBytesLimit}", "most bytes of the message to read", 100,
        TryParseWhole, Whole, o => o.MaxMessageBytes, (o, v) => o.MaxMessageBytes = v, v => v is >= 1 and <= OneShotOptions.MaxMessageBytesLimit);

    public static OneShotOption<string> Response { get; } = new(
        nameof(OneShotOptions.Response), "--response", "<text>", "any text", "answer sent as UTF-8", "Good talking to you\n",
        TryParseText, Quoted, o => o.Response, (o, v) => o.Response = v, v => v is not null);

    public static OneShotOption<TimeSpan> ReadTimeout { get; } = new(
        nameof(OneShotOptions.ReadTimeout), "--read-timeout", "<dur>", Duration.Accepted,
        "a connection that sends nothing by then is a probe (0 = none)", TimeSpan.FromSeconds(30),
        Duration.TryParse, Duration.Format, o => o.ReadTimeout, (o, v) => o.ReadTimeout = v);

    public static OneShotOption<TimeSpan?> WaitTimeout { get; } = new(
        nameof(OneShotOptions.WaitTimeout), "--wait-timeout", "<dur>", Duration.Accepted,
        "exit 4 when not all were served by then (0 = none)", null,
        TryParseOptionalDuration, value => value is { } d ? Duration.Format(d) : null, o => o.WaitTimeout, (o, v) => o.WaitTimeout = v);

    public static OneShotOption<int> Count { get; } = new(
        nameof(OneShotOptions.Count), "--count", "<n>", "a whole number from 1 up", "serve n messages, then stop", 1,
        TryParseWhole, Whole, o => o.Count, (o, v) => o.Count = v, v => v >= 1);

    public static OneShotOption<ProxyProtocolMode> ProxyProtocol { get; } = new(
        nameof(OneShotOptions.ProxyProtocol), "--proxy-protocol", "<mode>", "off, required or optional",
        "off, required or optional: PROXY protocol v1/v2 headers", ProxyProtocolMode.Off,
        TryParseMode, mode => mode.ToString().ToLowerInvariant(), o => o.ProxyProtocol, (o, v) => o.ProxyProtocol = v)
    { Group = OptionGroup.ProxyProtocol };

    public static OneShotOption<string?> ReportPath { get; } = new(
        nameof(OneShotOptions.ReportPath), "--report", "<file>", "a file path", "write a JSON report of the run to <file>", null,
        TryParseOptionalText, Text, o => o.ReportPath, (o, v) => o.ReportPath = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Output };

    public static OneShotOption<bool> Tls { get; } = new(
        nameof(OneShotOptions.Tls), "--tls", "", "true or false", "serve TLS with a certificate generated at start", false,
        bool.TryParse, value => value ? "true" : null, o => o.Tls, (o, v) => o.Tls = v)
    { IsFlag = true, Group = OptionGroup.Tls };

    public static OneShotOption<string?> TlsCertificate { get; } = new(
        nameof(OneShotOptions.TlsCertificate), "--tls-cert", "<file>", "a PEM certificate file",
        "serve TLS with this PEM certificate (leaf first, then its chain)", null,
        TryParseOptionalText, Text, o => o.TlsCertificate, (o, v) => o.TlsCertificate = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Tls };

    public static OneShotOption<string?> TlsKey { get; } = new(
        nameof(OneShotOptions.TlsKey), "--tls-key", "<file>", "a PEM private key file",
        "the certificate's PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted)", null,
        TryParseOptionalText, Text, o => o.TlsKey, (o, v) => o.TlsKey = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Tls };

    public static OneShotOption<string?> TlsCertificateOut { get; } = new(
        nameof(OneShotOptions.TlsCertificateOut), "--tls-cert-out", "<file>", "a file path",
        "write the generated certificate to <file> as PEM", null,
        TryParseOptionalText, Text, o => o.TlsCertificateOut, (o, v) => o.TlsCertificateOut = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Tls };

    public static OneShotOption<string?> TlsClientCa { get; } = new(
        nameof(OneShotOptions.TlsClientCa), "--tls-client-ca", "<file>", "a PEM CA certificate file",
        "require a client certificate that chains to this PEM CA", null,
        TryParseOptionalText, Text, o => o.TlsClientCa, (o, v) => o.TlsClientCa = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Tls };

    public static OneShotOption<IReadOnlyList<string>?> Alpn { get; } = new(
        nameof(OneShotOptions.Alpn), "--alpn", "<id[,id...]>", "ALPN protocol ids separated by commas, 1 to 255 bytes each",
        "the ALPN protocols accepted; without it none is negotiated", null,
        TryParseAlpn, ids => ids is null ? null : string.Join(',', ids), o => o.Alpn, (o, v) => o.Alpn = v)
    { Group = OptionGroup.Tls };

    public static OneShotOption<IPNetwork?> ExpectClient { get; } = new(
        "Expect:Client", "--expect-client", "<address|cidr>", "an IPv4 or IPv6 address, or a CIDR block such as 203.0.113.0/24",
        "the original client (the PROXY header's, else the peer) is in it", null,
        TryParseNetwork, network => network?.ToString(), o => o.ExpectClient, (o, v) => o.ExpectClient = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectProxy { get; } = new(
        "Expect:Proxy", "--expect-proxy", "<v1|v2|none>", "v1, v2 or none",
        "the PROXY header's version, or none", null,
        TryParseProxyVersion, Text, o => o.ExpectProxy, (o, v) => o.ExpectProxy = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectSni { get; } = new(
        "Expect:Sni", "--expect-sni", "<name>", "a server name", "the server name the TLS client asked for", null,
        TryParseOptionalText, Text, o => o.ExpectSni, (o, v) => o.ExpectSni = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectAlpn { get; } = new(
        "Expect:Alpn", "--expect-alpn", "<id>", "an ALPN protocol id", "the ALPN protocol agreed", null,
        TryParseOptionalText, Text, o => o.ExpectAlpn, (o, v) => o.ExpectAlpn = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectTlsVersion { get; } = new(
        "Expect:TlsVersion", "--expect-tls-version", "<version>", "TLSv1.2 or TLSv1.3", "the TLS version agreed", null,
        TryParseTlsVersion, Text, o => o.ExpectTlsVersion, (o, v) => o.ExpectTlsVersion = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectClientCert { get; } = new(
        "Expect:ClientCert", "--expect-client-cert", "<subject|sha256>", "a certificate subject (CN=client.test) or a SHA-256 fingerprint (64 hex digits)",
        "the client certificate's subject or SHA-256", null,
        TryParseOptionalText, Text, o => o.ExpectClientCert, (o, v) => o.ExpectClientCert = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectAuthority { get; } = new(
        "Expect:Authority", "--expect-authority", "<name>", "a host name", "the PROXY v2 authority TLV (the client's SNI at the proxy)", null,
        TryParseOptionalText, Text, o => o.ExpectAuthority, (o, v) => o.ExpectAuthority = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectMessage { get; } = new(
        "Expect:Message", "--expect-message", "<text>", "any text", "the message, exactly as printed (escaped)", null,
        TryParseOptionalText, Text, o => o.ExpectMessage, (o, v) => o.ExpectMessage = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<bool> Http { get; } = new(
        nameof(OneShotOptions.Http), "--http", "", "true or false",
        "speak HTTP (HTTP/1.x, h2c on the same port, h2 over TLS, WebSockets): the first request that is not a health check takes the shot", false,
        bool.TryParse, value => value ? "true" : null, o => o.Http, (o, v) => o.Http = v)
    { IsFlag = true, Group = OptionGroup.Http };

    public static OneShotOption<IReadOnlyList<string>> HealthPath { get; } = new(
        nameof(OneShotOptions.HealthPath), "--health-path", "<path>", "a path beginning with /",
        "a GET of this path is a health check (repeatable; OPTIONS and HEAD always are)", [],
        TryParseOneItem, Items, o => o.HealthPath, (o, v) => o.HealthPath = [.. o.HealthPath, .. v], v => v.All(p => p.StartsWith('/')))
    { IsRepeatable = true, Group = OptionGroup.Http };

    public static OneShotOption<string?> ExpectHost { get; } = new(
        "Expect:Host", "--expect-host", "<host[:port]>", "a host, with a port if the Host header carries one",
        "the Host header (or HTTP/2 :authority) as received", null,
        TryParseOptionalText, Text, o => o.ExpectHost, (o, v) => o.ExpectHost = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectPath { get; } = new(
        "Expect:Path", "--expect-path", "<path[?query]>", "a request target such as /api/z?x=1",
        "the request target as received", null,
        TryParseOptionalText, Text, o => o.ExpectPath, (o, v) => o.ExpectPath = v, v => v is null or { Length: > 0 })
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectMethod { get; } = new(
        "Expect:Method", "--expect-method", "<METHOD>", "an HTTP method such as GET or POST",
        "the request's method", null,
        TryParseMethod, Text, o => o.ExpectMethod, (o, v) => o.ExpectMethod = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectHttpVersion { get; } = new(
        "Expect:HttpVersion", "--expect-http-version", "<1.0|1.1|2>", "1.0, 1.1 or 2",
        "the HTTP version the proxy spoke", null,
        TryParseHttpVersion, Text, o => o.ExpectHttpVersion, (o, v) => o.ExpectHttpVersion = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<IReadOnlyList<string>> ExpectHeader { get; } = new(
        "Expect:Header", "--expect-header", "<'Name: value'>", "a header as 'Name: value', or 'Name' alone for any value",
        "a header with this value, or present at all (repeatable)", [],
        TryParseHeaderExpectation, Items, o => o.ExpectHeader, (o, v) => o.ExpectHeader = [.. o.ExpectHeader, .. v])
    { IsRepeatable = true, Group = OptionGroup.Expectations };

    public static OneShotOption<IReadOnlyList<string>> ExpectNoHeader { get; } = new(
        "Expect:NoHeader", "--expect-no-header", "<Name>", "a header name",
        "no header of this name (repeatable)", [],
        TryParseHeaderName, Items, o => o.ExpectNoHeader, (o, v) => o.ExpectNoHeader = [.. o.ExpectNoHeader, .. v])
    { IsRepeatable = true, Group = OptionGroup.Expectations };

    public static OneShotOption<IPNetwork?> ExpectForwardedFor { get; } = new(
        "Expect:ForwardedFor", "--expect-forwarded-for", "<address|cidr>", "an IPv4 or IPv6 address, or a CIDR block such as 203.0.113.0/24",
        "the client the nearest proxy added (last X-Forwarded-For, else Forwarded for=)", null,
        TryParseNetwork, network => network?.ToString(), o => o.ExpectForwardedFor, (o, v) => o.ExpectForwardedFor = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<string?> ExpectForwardedProto { get; } = new(
        "Expect:ForwardedProto", "--expect-forwarded-proto", "<http|https>", "http or https",
        "the scheme the nearest proxy says (X-Forwarded-Proto, else Forwarded proto=)", null,
        TryParseForwardedProto, Text, o => o.ExpectForwardedProto, (o, v) => o.ExpectForwardedProto = v)
    { Group = OptionGroup.Expectations };

    public static OneShotOption<bool> ExpectWebSocket { get; } = new(
        "Expect:WebSocket", "--expect-websocket", "", "true or false",
        "the shot arrived as a WebSocket", false,
        bool.TryParse, value => value ? "true" : null, o => o.ExpectWebSocket, (o, v) => o.ExpectWebSocket = v)
    { IsFlag = true, Group = OptionGroup.Expectations };

    /// <summary>Every option, in the order <c>--help</c> lists them within their group.</summary>
    public static IReadOnlyList<OneShotOption> All { get; } =
    [
        Port, Address, MaxMessageBytes, Response, ReadTimeout, WaitTimeout, Count, ProxyProtocol, ReportPath, Tls, TlsCertificate, TlsKey, TlsCertificateOut, TlsClientCa, Alpn,
        Http, HealthPath,
        ExpectClient, ExpectProxy, ExpectSni, ExpectAlpn, ExpectTlsVersion, ExpectClientCert, ExpectAuthority, ExpectMessage,
        ExpectHost, ExpectPath, ExpectMethod, ExpectHttpVersion, ExpectHeader, ExpectNoHeader, ExpectForwardedFor, ExpectForwardedProto, ExpectWebSocket,
    ];

    /// <summary>The expectations that only HTTP can meet.</summary>
    public static IReadOnlyList<OneShotOption> HttpExpectations { get; } =
        [ExpectHost, ExpectPath, ExpectMethod, ExpectHttpVersion, ExpectHeader, ExpectNoHeader, ExpectForwardedFor, ExpectForwardedProto, ExpectWebSocket];

    /// <summary>The <c>--help</c> heading the option is listed under.</summary>
    public OptionGroup Group { get; private init; }

    /// <summary>The <see cref="OneShotOptions"/> property it sets: the key without its colons (<c>Expect:Client</c> sets <c>ExpectClient</c>).</summary>
    public string Property => Key.Replace(":", "", StringComparison.Ordinal);

    /// <summary>The property's name, and the key in the <c>OneShot</c> section.</summary>
    public string Key { get; }

    /// <summary>The configuration path, such as <c>OneShot:Port</c>.</summary>
    public string Path => $"{OneShotOptions.SectionName}:{Key}";

    public string Switch { get; }

    /// <summary>How <c>--help</c> shows the value, such as <c>&lt;0..65535&gt;</c>.</summary>
    public string ValueName { get; }

    /// <summary>What is accepted, in the words every error about this option uses.</summary>
    public string Accepted { get; }

    /// <summary>The help line, without the default.</summary>
    public string Help { get; }

    /// <summary>A switch that takes no value on the command line (<c>--tls</c>); <c>--tls=false</c> still works.</summary>
    public bool IsFlag { get; private init; }

    /// <summary>
    /// A switch that may be given more than once (<c>--health-path /a --health-path /b</c>); in
    /// configuration, the key's children (<c>OneShot:HealthPath:0</c>) or one value.
    /// </summary>
    public bool IsRepeatable { get; private init; }

    /// <summary>The default as <c>--help</c> shows it; null when there is none.</summary>
    public abstract string? DefaultText { get; }

    public static OneShotOption? Find(string key) =>
        All.FirstOrDefault(option => string.Equals(option.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>The one line an operator reads for a bad value of this option.</summary>
    public string Invalid(string? value) => Invalid(value, $"expected {Accepted}");

    /// <summary>The one line an operator reads for a value of this option, with the reason.</summary>
    public string Invalid(string? value, string reason) => $"invalid {Path} ({Switch}) '{value}': {reason}";

    /// <summary>Whether the option's value in <paramref name="options"/> is one it accepts.</summary>
    internal abstract bool IsValid(OneShotOptions options);

    /// <summary>Reads <paramref name="text"/> into <paramref name="options"/>; false when it is not of this option's type.</summary>
    internal abstract bool TryApply(string text, OneShotOptions options);

    /// <summary>The option's current value in <paramref name="options"/>, as text.</summary>
    internal abstract string? Describe(OneShotOptions options);

    /// <summary><c>localhost</c>, <c>any</c>, or a full IPv4/IPv6 literal.</summary>
    private static bool IsListenAddress(string address) =>
        string.Equals(address, OneShotOptions.LocalhostAddress, StringComparison.OrdinalIgnoreCase)
        || string.Equals(address, OneShotOptions.AnyAddress, StringComparison.OrdinalIgnoreCase)
        // IPAddress.TryParse also takes shorthand such as "5" (0.0.0.5): only full literals are meant.
        || (IPAddress.TryParse(address, out _) && (address.Contains(':') || address.Count(c => c == '.') == 3));

    private static bool TryParseWhole(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out value);

    private static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Text(string? value) => value;

    // The default answer ends in a line break; help shows it escaped, on one line.
    private static string Quoted(string value) => $"\"{value.Replace("\n", "\\n", StringComparison.Ordinal)}\"";

    private static bool TryParseText(string text, out string value)
    {
        value = text;
        return true;
    }

    private static bool TryParseOptionalText(string text, out string? value)
    {
        value = text;
        return true;
    }

    private static bool TryParseOptionalDuration(string text, out TimeSpan? value)
    {
        var parsed = Duration.TryParse(text, out var duration);
        value = parsed && duration > TimeSpan.Zero ? duration : null;
        return parsed;
    }

    private static bool TryParseAlpn(string text, out IReadOnlyList<string>? value)
    {
        var ids = text.Split(',', StringSplitOptions.TrimEntries);
        value = ids;
        return ids.All(id => System.Text.Encoding.UTF8.GetByteCount(id) is >= 1 and <= 255);
    }

    /// <summary>An address alone is the block of just that address.</summary>
    private static bool TryParseNetwork(string text, out IPNetwork? value)
    {
        value = null;
        text = text.Trim();
        if (IPNetwork.TryParse(text, out var network))
        {
            value = network;
            return true;
        }

        if (IPAddress.TryParse(text, out var address) && (text.Contains(':') || text.Count(c => c == '.') == 3))
        {
            value = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    private static bool TryParseOneItem(string text, out IReadOnlyList<string> value)
    {
        value = [text.Trim()];
        return true;
    }

    private static string? Items(IReadOnlyList<string> items) => items.Count == 0 ? null : string.Join(' ', items);

    private static bool TryParseMethod(string text, out string? value)
    {
        value = text.Trim().ToUpperInvariant();
        return value.Length > 0 && value.All(char.IsAsciiLetter);
    }

    private static bool TryParseHttpVersion(string text, out string? value) => TryParseWord(text, ["1.0", "1.1", "2"], out value);

    private static bool TryParseForwardedProto(string text, out string? value) => TryParseWord(text, ["http", "https"], out value);

    private static bool TryParseHeaderName(string text, out IReadOnlyList<string> value)
    {
        value = [text.Trim()];
        return IsToken(value[0]);
    }

    /// <summary><c>Name: value</c> or <c>Name</c>; the name an HTTP token.</summary>
    private static bool TryParseHeaderExpectation(string text, out IReadOnlyList<string> value)
    {
        var colon = text.IndexOf(':');
        var name = (colon < 0 ? text : text[..colon]).Trim();
        value = [colon < 0 ? name : $"{name}: {text[(colon + 1)..].Trim()}"];
        return IsToken(name);
    }

    // RFC 9110 token characters.
    private static bool IsToken(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    private static bool TryParseProxyVersion(string text, out string? value) => TryParseWord(text, ["v1", "v2", "none"], out value);

    private static bool TryParseTlsVersion(string text, out string? value) => TryParseWord(text, ["TLSv1.2", "TLSv1.3"], out value);

    /// <summary>One of <paramref name="words"/>, whatever its case, as the word is spelt there.</summary>
    private static bool TryParseWord(string text, string[] words, out string? value)
    {
        value = words.FirstOrDefault(word => string.Equals(word, text.Trim(), StringComparison.OrdinalIgnoreCase));
        return value is not null;
    }

    // By name only: the enum parser would also take numbers ("7") and comma lists.
    private static bool TryParseMode(string text, out ProxyProtocolMode value)
    {
        foreach (var mode in Enum.GetValues<ProxyProtocolMode>())
        {
            if (string.Equals(text.Trim(), mode.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                value = mode;
                return true;
            }
        }

        value = default;
        return false;
    }
}

/// <summary>The headings of <c>--help</c>, in its order.</summary>
internal enum OptionGroup
{
    Listening,
    ProxyProtocol,
    Tls,
    Http,
    Expectations,
    Output,
}

/// <summary>An option whose value is a <typeparamref name="T"/>.</summary>
internal sealed class OneShotOption<T> : OneShotOption
{
    public delegate bool Parser(string text, out T value);

    private readonly Parser _parse;
    private readonly Func<T, string?> _format;
    private readonly Func<OneShotOptions, T> _get;
    private readonly Action<OneShotOptions, T> _set;
    private readonly Func<T, bool>? _isValid;

    internal OneShotOption(
        string key,
        string @switch,
        string valueName,
        string accepted,
        string help,
        T defaultValue,
        Parser parse,
        Func<T, string?> format,
        Func<OneShotOptions, T> get,
        Action<OneShotOptions, T> set,
        Func<T, bool>? isValid = null)
        : base(key, @switch, valueName, accepted, help)
    {
        Default = defaultValue;
        _parse = parse;
        _format = format;
        _get = get;
        _set = set;
        _isValid = isValid;
    }

    public T Default { get; }

    public override string? DefaultText => Default is { } value ? _format(value) : null;

    internal override bool TryApply(string text, OneShotOptions options)
    {
        if (!_parse(text, out var value))
        {
            return false;
        }

        _set(options, value);
        return true;
    }

    internal override bool IsValid(OneShotOptions options) => _isValid?.Invoke(_get(options)) ?? true;

    internal override string? Describe(OneShotOptions options) => _get(options) is { } value ? _format(value) : null;
}
