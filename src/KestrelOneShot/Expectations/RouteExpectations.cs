using System.Net;

using KestrelOneShot.Configuration;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Tls;

namespace KestrelOneShot.Expectations;

/// <summary>One expectation's verdict on a served connection; <paramref name="Actual"/> is null when the connection had no such thing.</summary>
internal sealed record ExpectationResult(string Name, string Switch, string Expected, string? Actual, bool Met);

/// <summary>What a served connection was, as far as the expectations look.</summary>
/// <param name="Client">The original client: the PROXY header's source, else the peer.</param>
/// <param name="Text">The message as printed, escapes included.</param>
internal sealed record ServedRoute(EndPoint? Client, ProxyHeader? Proxy, TlsFacts? Tls, string Text);

/// <summary>
/// The <c>--expect-…</c> switches: what every served connection must have been for the run to prove
/// the route. A served connection that falls short still got its answer; the run then ends with exit 5.
/// </summary>
internal sealed class RouteExpectations
{
    private readonly IReadOnlyList<Expectation> _expectations;

    private RouteExpectations(IReadOnlyList<Expectation> expectations) => _expectations = expectations;

    /// <summary>The expectations the options set; null when they set none, so the served path checks nothing.</summary>
    public static RouteExpectations? From(OneShotOptions options)
    {
        List<Expectation> expectations = [];
        if (options.ExpectClient is { } network)
        {
            expectations.Add(new("client", OneShotOption.ExpectClient.Switch, network.ToString(),
                r => ClientAddress(r.Client) is { } address ? (address.ToString(), network.Contains(address)) : (null, false)));
        }

        Add(expectations, "proxy", OneShotOption.ExpectProxy.Switch, options.ExpectProxy, r => r.Proxy is { } proxy ? $"v{proxy.Version}" : "none", StringComparison.Ordinal);
        Add(expectations, "sni", OneShotOption.ExpectSni.Switch, options.ExpectSni, r => r.Tls?.Sni, StringComparison.OrdinalIgnoreCase);
        Add(expectations, "alpn", OneShotOption.ExpectAlpn.Switch, options.ExpectAlpn, r => r.Tls?.Alpn, StringComparison.Ordinal);
        Add(expectations, "tls-version", OneShotOption.ExpectTlsVersion.Switch, options.ExpectTlsVersion, r => r.Tls?.Protocol, StringComparison.Ordinal);
        if (options.ExpectClientCert is { } certificate)
        {
            // A SHA-256 fingerprint is 64 hex digits; anything else is a subject.
            var byFingerprint = certificate.Length == 64 && certificate.All(Uri.IsHexDigit);
            Add(expectations, "client-cert", OneShotOption.ExpectClientCert.Switch, certificate,
                r => byFingerprint ? r.Tls?.ClientCertificate?.Sha256 : r.Tls?.ClientCertificate?.Subject, StringComparison.OrdinalIgnoreCase);
        }

        Add(expectations, "authority", OneShotOption.ExpectAuthority.Switch, options.ExpectAuthority,
            r => r.Proxy is { } proxy ? ProxyTlvValues.Decode(proxy.Tlvs).Authority : null, StringComparison.OrdinalIgnoreCase);
        Add(expectations, "message", OneShotOption.ExpectMessage.Switch, options.ExpectMessage, r => r.Text, StringComparison.Ordinal);
        return expectations.Count == 0 ? null : new RouteExpectations(expectations);
    }

    public IReadOnlyList<ExpectationResult> Check(ServedRoute route)
    {
        var results = new ExpectationResult[_expectations.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var expectation = _expectations[i];
            var (actual, met) = expectation.Evaluate(route);
            results[i] = new ExpectationResult(expectation.Name, expectation.Switch, expectation.Expected, actual, met);
        }

        return results;
    }

    private static void Add(List<Expectation> expectations, string name, string @switch, string? expected, Func<ServedRoute, string?> actual, StringComparison comparison)
    {
        if (expected is not null)
        {
            expectations.Add(new(name, @switch, expected, route =>
            {
                var value = actual(route);
                return (value, string.Equals(expected, value, comparison));
            }));
        }
    }

    // A dual-stack socket names an IPv4 client as ::ffff:a.b.c.d; the operator wrote a.b.c.d.
    private static IPAddress? ClientAddress(EndPoint? client) =>
        client is IPEndPoint { Address: var address } ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address) : null;

    private sealed record Expectation(string Name, string Switch, string Expected, Func<ServedRoute, (string? Actual, bool Met)> Evaluate);
}
