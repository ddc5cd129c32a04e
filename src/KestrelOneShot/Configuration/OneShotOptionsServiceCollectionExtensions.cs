using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Configuration;

public static class OneShotOptionsServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="OneShotOptions"/> from the <c>OneShot</c> section of the registered configuration,
    /// read by each option's own reader and validated at start.
    /// </summary>
    public static IServiceCollection AddOneShotOptions(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<OneShotOptions>, OneShotOptionsBinder>();
        services.AddSingleton<IValidateOptions<OneShotOptions>, OneShotOptionsValidator>();
        services.AddOptions<OneShotOptions>().ValidateOnStart();
        return services;
    }
}
