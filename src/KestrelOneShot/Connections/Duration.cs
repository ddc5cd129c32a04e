using System.Globalization;

namespace KestrelOneShot.Connections;

/// <summary>
/// Reads the durations of the contract: a <see cref="TimeSpan"/> (<c>00:00:30</c>) or a number with a
/// unit (<c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>); <c>0</c> alone means "none".
/// </summary>
internal static class Duration
{
    public const string Accepted = "a duration such as 00:00:30, 30s, 500ms, 2m or 1h; 0 = none";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        if (span.Contains(':'))
        {
            return TimeSpan.TryParse(span, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        }

        var unitStart = span.IndexOfAnyExceptInRange('0', '9');
        if (unitStart < 0)
        {
            // A bare number is only unambiguous when it is zero.
            return span.Trim('0').IsEmpty;
        }

        if (span[unitStart] == '.')
        {
            var fraction = span[(unitStart + 1)..].IndexOfAnyExceptInRange('0', '9');
            if (fraction == 0)
            {
                return false; // "1.s": a decimal point needs digits after it.
            }

            unitStart = fraction < 0 ? span.Length : unitStart + 1 + fraction;
        }

        if (unitStart == 0 || !double.TryParse(span[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        var milliseconds = span[unitStart..] switch
        {
            "ms" => amount,
            "s" => amount * 1_000,
            "m" => amount * 60_000,
            "h" => amount * 3_600_000,
            _ => double.NaN,
        };
        if (double.IsNaN(milliseconds) || milliseconds > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    /// <summary>The shortest of the accepted forms that reads back as <paramref name="value"/>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0";
        }

        var milliseconds = value.TotalMilliseconds;
        foreach (var (unit, size) in Units)
        {
            if (milliseconds % size == 0)
            {
                return (milliseconds / size).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return value.ToString("c", CultureInfo.InvariantCulture);
    }

    private static readonly (string Unit, double Milliseconds)[] Units = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
}
