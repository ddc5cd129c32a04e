using System.ComponentModel.DataAnnotations;
using System.Net;

using Microsoft.Extensions.Options;

namespace KestrelOneShot.Configuration;

/// <summary>
/// Checks the options at start (<c>ValidateOnStart</c>), so a bad value never reaches Kestrel. The
/// options validation source generator writes the checks from the attributes on
/// <see cref="OneShotOptions"/> (trimming- and Native-AOT-safe); values the binder could not read come
/// first. Every failure is one line naming the key, the switch, the value and what is accepted.
/// </summary>
[OptionsValidator]
internal sealed partial class OneShotOptionsValidator : IValidateOptions<OneShotOptions>;

/// <summary>Reports the values <see cref="OneShotOptionsBinder"/> could not read, ahead of the attributes' checks.</summary>
internal sealed class UnreadableValuesValidator : IValidateOptions<OneShotOptions>
{
    public ValidateOptionsResult Validate(string? name, OneShotOptions options) =>
        options.UnreadableValues.Count == 0 ? ValidateOptionsResult.Skip : ValidateOptionsResult.Fail(options.UnreadableValues);
}

/// <summary>Makes a failed check say what <see cref="OneShotOption.Invalid"/> says about the member's option.</summary>
internal static class OptionFailure
{
    public static ValidationResult For(ValidationContext context, object? value)
    {
        var option = OneShotOption.Find(context.MemberName ?? "");
        var text = value is IFormattable formattable ? formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture) : value?.ToString();
        return new ValidationResult(option?.Invalid(text) ?? $"invalid {context.MemberName} '{text}'");
    }
}

/// <summary><see cref="RangeAttribute"/>, failing with the option's one line.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OptionRangeAttribute(int minimum, int maximum) : RangeAttribute(minimum, maximum)
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        IsValid(value) ? ValidationResult.Success : OptionFailure.For(validationContext, value);
}

/// <summary><see cref="RequiredAttribute"/> (empty text allowed), failing with the option's one line.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OptionRequiredAttribute : RequiredAttribute
{
    public OptionRequiredAttribute() => AllowEmptyStrings = true;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        IsValid(value) ? ValidationResult.Success : OptionFailure.For(validationContext, value);
}

/// <summary><see cref="StringLengthAttribute"/> of at least one character (null allowed), failing with the option's one line.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class OptionNotEmptyAttribute : StringLengthAttribute
{
    public OptionNotEmptyAttribute()
        : base(int.MaxValue) => MinimumLength = 1;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        IsValid(value) ? ValidationResult.Success : OptionFailure.For(validationContext, value);
}

/// <summary><c>localhost</c>, <c>any</c>, or a full IPv4/IPv6 literal.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ListenAddressAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is string address && IsAddress(address) ? ValidationResult.Success : OptionFailure.For(validationContext, value);

    private static bool IsAddress(string address) =>
        string.Equals(address, OneShotOptions.LocalhostAddress, StringComparison.OrdinalIgnoreCase)
        || string.Equals(address, OneShotOptions.AnyAddress, StringComparison.OrdinalIgnoreCase)
        // IPAddress.TryParse also takes shorthand such as "5" (0.0.0.5): only full literals are meant.
        || (IPAddress.TryParse(address, out _) && (address.Contains(':') || address.Count(c => c == '.') == 3));
}
