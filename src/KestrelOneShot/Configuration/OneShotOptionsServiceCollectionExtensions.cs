using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Configuration;

internal static class OneShotOptionsServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="OneShotOptions"/> from the <c>OneShot</c> section of the registered configuration,
    /// read by each option's own reader and validated when first read (the host reads them before
    /// it starts anything).
    /// </summary>
    public static IServiceCollection AddOneShotOptions(this IServiceCollection services)
    {
        services.AddOptions();
        services.AddSingleton<IConfigureOptions<OneShotOptions>>(sp => new OneShotOptionsBinder(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IValidateOptions<OneShotOptions>>(_ => new OneShotOptionsValidator());
        return services;
    }
}
