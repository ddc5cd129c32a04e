using System.Text;

namespace KestrelOneShot.Configuration;

/// <summary>
/// The friendly switches of the contract. They are mapped onto configuration keys and read by the
/// framework's command-line configuration provider; this class only guards what that provider lets
/// through silently (a misspelt switch would otherwise become an unused key).
/// </summary>
internal static class CommandLineSwitches
{
    /// <summary>Each option's switch mapped onto its key, for the command-line configuration provider.</summary>
    public static IReadOnlyDictionary<string, string> Mappings { get; } =
        OneShotOption.All.ToDictionary(option => option.Switch, option => option.Path, StringComparer.OrdinalIgnoreCase);

    // Host-level keys that ASP.NET Core reads from the command line without a section (--urls is
    // accepted so that the host can say which switch to use instead: KestrelListenSetup).
    private static readonly string[] HostKeys = ["--environment", "--applicationName", "--contentRoot", "--urls"];

    /// <summary>The <c>--help</c> text, ending with a line break.</summary>
    public static string Usage { get; } = BuildUsage();

    private static readonly string[] HelpSwitches = ["-h", "--help", "-?", "/?"];

    /// <summary>
    /// Walks the arguments the way the configuration provider will read them: whether help was asked
    /// for, and otherwise one line saying what is wrong (null when every argument is a known switch,
    /// a configuration key, or a value).
    /// </summary>
    public static (bool Help, string? Error) Inspect(IReadOnlyList<string> args)
    {
        string? error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (HelpSwitches.Contains(arg))
            {
                return (true, null);
            }

            if (error is not null)
            {
                continue; // Keep looking for --help: asking for help beats a typo elsewhere.
            }

            var isSwitch = arg.StartsWith("--", StringComparison.Ordinal) || arg.StartsWith('/');
            if (!isSwitch)
            {
                if (!arg.Contains('='))
                {
                    // Key=value is taken as it is by the configuration provider.
                    error = arg.StartsWith('-')
                        ? $"unknown option '{arg}'{Suggest(arg)}; see --help"
                        : $"unexpected argument '{arg}'; see --help";
                }

                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            var known = Mappings.ContainsKey(name)
                || name.Contains(':', StringComparison.Ordinal)
                || HostKeys.Contains(name, StringComparer.OrdinalIgnoreCase);
            if (!known)
            {
                error = $"unknown option '{name}'{Suggest(name)}; see --help";
            }
            else if (equals < 0 && !IsFlag(name))
            {
                if (i + 1 >= args.Count)
                {
                    error = $"option '{name}' needs a value; see --help";
                }

                i++; // The next argument is this switch's value, whatever it looks like.
            }
        }

        return (false, error);
    }

    /// <summary>
    /// The arguments as the configuration provider is to read them: a flag switch alone
    /// (<c>--tls</c>) becomes <c>--tls=true</c>, since the provider would take the next argument as
    /// its value.
    /// </summary>
    public static string[] Normalize(IReadOnlyList<string> args)
    {
        var normalized = new List<string>(args.Count);
        var repeats = new Dictionary<string, int>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (IsFlag(arg))
            {
                normalized.Add(arg + "=true");
                continue;
            }

            if (Repeatable(arg) is { } repeatable)
            {
                // Each occurrence its own child key: the provider would keep only the last.
                var index = repeats.TryGetValue(repeatable.Path, out var seen) ? seen : 0;
                repeats[repeatable.Path] = index + 1;
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                if (equals >= 0)
                {
                    normalized.Add($"--{repeatable.Path}:{index}={arg[(equals + 1)..]}");
                }
                else if (i + 1 < args.Count)
                {
                    normalized.Add($"--{repeatable.Path}:{index}");
                    normalized.Add(args[++i]);
                }

                continue;
            }

            normalized.Add(arg);
            if (Mappings.ContainsKey(arg) && i + 1 < args.Count)
            {
                normalized.Add(args[++i]); // A switch's value stays as it is, whatever it looks like.
            }
        }

        return [.. normalized];
    }

    private static OneShotOption? Repeatable(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? arg : arg[..equals];
        return OneShotOption.All.FirstOrDefault(option => option.IsRepeatable && string.Equals(option.Switch, name, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsFlag(string name) =>
        OneShotOption.All.Any(option => option.IsFlag && string.Equals(option.Switch, name, StringComparison.OrdinalIgnoreCase));

    private static string Suggest(string name)
    {
        var bare = name.TrimStart('-', '/');
        var best = Mappings.Keys
            .Select(k => (Switch: k, Distance: bare.Length > 0 && k.AsSpan(2).StartsWith(bare, StringComparison.OrdinalIgnoreCase) ? 0 : EditDistance(bare, k[2..])))
            .MinBy(c => c.Distance);
        return best.Distance <= Math.Max(2, bare.Length / 3) ? $" (did you mean '{best.Switch}'?)" : "";
    }

    private static int EditDistance(string a, string b)
    {
        // Two rows of the Levenshtein table, case-insensitive.
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string Heading(OptionGroup group) => group switch
    {
        OptionGroup.Listening => "Listening and serving",
        OptionGroup.ProxyProtocol => "PROXY protocol",
        OptionGroup.Tls => "TLS",
        OptionGroup.Http => "HTTP",
        OptionGroup.Expectations => "Expectations (each served connection must meet them, else exit 5)",
        _ => "Output",
    };

    private static string BuildUsage()
    {
        var usage = new StringBuilder("""
            Usage: KestrelOneShot [options] [--Section:Key=value ...]

            Listens on TCP, serves the first connection that sends data (with --http,
            the first HTTP request that is not a health check), prints
            "The message was: <msg>" on stdout, answers, and exits.

            """);
        var width = OneShotOption.All.Max(option => option.Switch.Length + option.ValueName.Length) + 4;
        foreach (var group in OneShotOption.All.GroupBy(option => option.Group).OrderBy(group => group.Key))
        {
            usage.Append('\n').Append(Heading(group.Key)).Append(":\n");
            foreach (var option in group)
            {
                var name = $"{option.Switch} {option.ValueName}".TrimEnd();
                var defaultText = option.DefaultText is { } text ? $" (default {text})" : "";
                usage.Append("  ").Append(name.PadRight(width)).Append(option.Help).Append(defaultText).Append('\n');
            }
        }

        usage.Append('\n');
        usage.Append("  ").Append("-h, --help".PadRight(width)).Append("show this help\n");
        usage.Append("""

            Durations: 00:00:30, 30s, 500ms, 2m, 1h.
            Every key can also come from appsettings.json, OneShot__Port-style environment
            variables or --OneShot:Port=9999.

            Exit codes: 0 served, 1 unexpected failure, 2 invalid configuration or arguments,
            3 cannot listen, 4 not all served before --wait-timeout, 5 served but not as
            expected (an --expect-... switch unmet), 130 SIGINT, 143 SIGTERM.

            """);
        return usage.ToString();
    }
}
