using KestrelOneShot.Configuration;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Run;

internal static class RunServiceCollectionExtensions
{
    /// <summary>The run every endpoint's pipeline and the host's services share.</summary>
    public static IServiceCollection AddOneShotRun(this IServiceCollection services) =>
        services.AddSingleton(sp => new OneShotRun(
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<IOptions<OneShotOptions>>(), sp.GetRequiredService<TimeProvider>()));
}
