using System.Globalization;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Reads the durations of the contract: a <see cref="TimeSpan"/> (<c>00:00:30</c>) or a number with a
/// unit (<c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>); <c>0</c> alone means "none".
/// </summary>
public static class Duration
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

    /// <summary>For values that passed validation.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not {Accepted}.");
}
