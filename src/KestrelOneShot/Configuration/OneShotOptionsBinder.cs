using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Configuration;

/// <summary>
/// Binds the <c>OneShot</c> section through each option's own reader, so durations such as
/// <c>30s</c> arrive as <see cref="TimeSpan"/> and a value that is not of its option's type
/// becomes a one-line validation error rather than a binder exception.
/// </summary>
internal sealed class OneShotOptionsBinder(IConfiguration configuration) : IConfigureOptions<OneShotOptions>
{
    public void Configure(OneShotOptions options)
    {
        var section = configuration.GetSection(OneShotOptions.SectionName);
        foreach (var option in OneShotOption.All)
        {
            var texts = section[option.Key] is { } text ? [text] : Enumerable.Empty<string>();
            if (option.IsRepeatable)
            {
                texts = texts.Concat(section.GetSection(option.Key).GetChildren().Select(child => child.Value).OfType<string>());
            }

            foreach (var value in texts)
            {
                if (!option.TryApply(value, options))
                {
                    options.UnreadableValues.Add(option.Invalid(value));
                }
            }
        }
    }
}
