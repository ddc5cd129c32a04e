using Microsoft.Extensions.Options;

namespace KestrelOneShot.Configuration;

/// <summary>
/// Checks the options at start (<c>ValidateOnStart</c>), so a bad value never reaches Kestrel: the
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
