using Microsoft.Extensions.Options;

namespace KestrelOneShot.Configuration;

/// <summary>
/// Checks the options when the host first reads them, before it starts, so a bad value never reaches Kestrel: the
/// values <see cref="OneShotOptionsBinder"/> could not read, then each option's own check from its
/// definition. Every failure is one line naming the key, the switch, the value and what is accepted,
/// and every failure is reported at once.
/// </summary>
/// <remarks>
/// Not the options validation source generator with DataAnnotations: its generated code calls the
/// DataAnnotations validator, which brings that library's machinery into the Native AOT binary, and
/// it measured slower to start for checks that are one comparison each (docs/performance.md).
/// </remarks>
internal sealed class OneShotOptionsValidator : IValidateOptions<OneShotOptions>
{
    public ValidateOptionsResult Validate(string? name, OneShotOptions options)
    {
        List<string> failures = [.. options.UnreadableValues];
        foreach (var option in OneShotOption.All)
        {
            if (!option.IsValid(options))
            {
                failures.Add(option.Invalid(option.Describe(options)));
            }
        }

        failures.AddRange(TlsCombinations(options));
        failures.AddRange(ExpectationCombinations(options));
        failures.AddRange(HttpCombinations(options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The TLS switches that only make sense together (or apart).</summary>
    private static IEnumerable<string> TlsCombinations(OneShotOptions options)
    {
        if (options.TlsKey is { } key && options.TlsCertificate is null)
        {
            yield return OneShotOption.TlsKey.Invalid(key, $"needs {OneShotOption.TlsCertificate.Switch} too");
        }

        if (options.TlsCertificate is { } certificate && options.TlsKey is null)
        {
            yield return OneShotOption.TlsCertificate.Invalid(certificate, $"needs {OneShotOption.TlsKey.Switch} too");
        }

        if (options.TlsCertificateOut is { } output && options.TlsCertificate is not null)
        {
            yield return OneShotOption.TlsCertificateOut.Invalid(output, $"writes the generated certificate, and {OneShotOption.TlsCertificate.Switch} gives one");
        }
        else if (options.TlsCertificateOut is { } alone && !options.UsesTls)
        {
            yield return OneShotOption.TlsCertificateOut.Invalid(alone, $"needs {OneShotOption.Tls.Switch}");
        }

        if (options.Alpn is { } alpn && !options.UsesTls)
        {
            yield return OneShotOption.Alpn.Invalid(string.Join(',', alpn), $"needs {OneShotOption.Tls.Switch}");
        }
    }

    /// <summary>The switches that only an HTTP endpoint can use.</summary>
    private static IEnumerable<string> HttpCombinations(OneShotOptions options)
    {
        if (options.Http)
        {
            yield break;
        }

        var needsHttp = $"needs {OneShotOption.Http.Switch}";
        foreach (var option in OneShotOption.HttpExpectations.Append(OneShotOption.HealthPath))
        {
            if (option.Describe(options) is { } value)
            {
                yield return option.Invalid(value, needsHttp);
            }
        }
    }

    /// <summary>Expectations that could never be met with the endpoints as configured: exit 2 now rather than 5 later.</summary>
    private static IEnumerable<string> ExpectationCombinations(OneShotOptions options)
    {
        var needsTls = $"needs {OneShotOption.Tls.Switch}";
        foreach (var (option, value) in new[]
        {
            (OneShotOption.ExpectSni, options.ExpectSni),
            (OneShotOption.ExpectAlpn, options.ExpectAlpn),
            (OneShotOption.ExpectTlsVersion, options.ExpectTlsVersion),
            (OneShotOption.ExpectClientCert, options.ExpectClientCert),
        })
        {
            if (value is not null && !options.UsesTls)
            {
                yield return option.Invalid(value, needsTls);
            }
        }

        if (options.ExpectClientCert is { } certificate && options.UsesTls && options.TlsClientCa is null)
        {
            yield return OneShotOption.ExpectClientCert.Invalid(certificate, $"needs {OneShotOption.TlsClientCa.Switch}: without it no client certificate is asked for");
        }

        var proxyOff = options.ProxyProtocol == ProxyProtocol.ProxyProtocolMode.Off;
        if (options.ExpectProxy is "v1" or "v2" && proxyOff)
        {
            yield return OneShotOption.ExpectProxy.Invalid(options.ExpectProxy, $"needs {OneShotOption.ProxyProtocol.Switch} required or optional");
        }
        else if (options.ExpectProxy is "none" && options.ProxyProtocol == ProxyProtocol.ProxyProtocolMode.Required)
        {
            yield return OneShotOption.ExpectProxy.Invalid(options.ExpectProxy, $"cannot be met with {OneShotOption.ProxyProtocol.Switch} required");
        }

        if (options.ExpectAuthority is { } authority && proxyOff)
        {
            yield return OneShotOption.ExpectAuthority.Invalid(authority, $"needs {OneShotOption.ProxyProtocol.Switch} required or optional");
        }
    }
}
