using System.Net;

using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Checks every key of the <c>OneShot</c> section and says, in one line per key, what was given and
/// what is accepted. Runs at start (<c>ValidateOnStart</c>), so a bad value never reaches Kestrel.
/// </summary>
public sealed class OneShotOptionsValidator : IValidateOptions<OneShotOptions>
{
    public const int MaxMessageBytesLimit = 65536;

    private static readonly Dictionary<string, (string Switch, string Accepted)> Keys = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(OneShotOptions.Port)] = ("--port", "a whole number from 0 to 65535 (0 = a free port)"),
        [nameof(OneShotOptions.Address)] = ("--address", "localhost, any, or an IPv4/IPv6 literal"),
        [nameof(OneShotOptions.MaxMessageBytes)] = ("--max-bytes", $"a whole number from 1 to {MaxMessageBytesLimit}"),
        [nameof(OneShotOptions.Response)] = ("--response", "any text"),
        [nameof(OneShotOptions.ReadTimeout)] = ("--read-timeout", Duration.Accepted),
        [nameof(OneShotOptions.WaitTimeout)] = ("--wait-timeout", Duration.Accepted),
        [nameof(OneShotOptions.Count)] = ("--count", "a whole number from 1 up"),
        [nameof(OneShotOptions.ProxyProtocol)] = ("--proxy-protocol", "off, required or optional"),
        [nameof(OneShotOptions.ReportPath)] = ("--report", "a file path"),
    };

    public ValidateOptionsResult Validate(string? name, OneShotOptions options)
    {
        var failures = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            failures.Add(Describe(nameof(options.Port), options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (!IsAddress(options.Address))
        {
            failures.Add(Describe(nameof(options.Address), options.Address));
        }

        if (options.MaxMessageBytes is < 1 or > MaxMessageBytesLimit)
        {
            failures.Add(Describe(nameof(options.MaxMessageBytes), options.MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (options.Response is null)
        {
            failures.Add(Describe(nameof(options.Response), ""));
        }

        if (!Duration.TryParse(options.ReadTimeout, out _))
        {
            failures.Add(Describe(nameof(options.ReadTimeout), options.ReadTimeout));
        }

        if (options.WaitTimeout is not null && !Duration.TryParse(options.WaitTimeout, out _))
        {
            failures.Add(Describe(nameof(options.WaitTimeout), options.WaitTimeout));
        }

        if (options.Count < 1)
        {
            failures.Add(Describe(nameof(options.Count), options.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        // The binder also takes numbers for an enum ("7"): only the named modes are meant.
        if (!Enum.IsDefined(options.ProxyProtocol))
        {
            failures.Add(Describe(nameof(options.ProxyProtocol), ((int)options.ProxyProtocol).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (options.ReportPath is { Length: 0 })
        {
            failures.Add(Describe(nameof(options.ReportPath), options.ReportPath));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// The one line an operator reads for a bad value; also used for values the binder could not convert.
    /// </summary>
    public static string Describe(string key, string? value)
    {
        var path = $"{OneShotOptions.SectionName}:{key}";
        return Keys.TryGetValue(key, out var entry)
            ? $"invalid {path} ({entry.Switch}) '{value}': expected {entry.Accepted}"
            : $"invalid {path} '{value}'";
    }

    private static bool IsAddress(string? address) =>
        string.Equals(address, OneShotOptions.LocalhostAddress, StringComparison.OrdinalIgnoreCase)
        || string.Equals(address, OneShotOptions.AnyAddress, StringComparison.OrdinalIgnoreCase)
        // IPAddress.TryParse also takes shorthand such as "5" (0.0.0.5): only full literals are meant.
        || (IPAddress.TryParse(address, out _) && (address.Contains(':') || address.Count(c => c == '.') == 3));
}
