namespace KestrelOneShot.Bench;

/// <summary>The few switches of the benchmark runner: <c>--name value</c> pairs and flags.</summary>
internal sealed class BenchArguments(Dictionary<string, string?> values)
{
    public static BenchArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            values[args[i].TrimStart('-')] = hasValue ? args[++i] : null;
        }

        return new BenchArguments(values);
    }

    public string? this[string name] => values.GetValueOrDefault(name);

    public bool Has(string name) => values.ContainsKey(name);

    public int Int(string name, int fallback) => values.GetValueOrDefault(name) is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
