using KestrelOneShot.Configuration;
using KestrelOneShot.NativeAot;
using KestrelOneShot.Output;
using KestrelOneShot.Run;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.ConnectionHandling;

internal static class ConnectionHandlingServiceCollectionExtensions
{
    /// <summary>The one handler every endpoint ends in; needs the run and stdout's <see cref="QueuedLineWriter"/>.</summary>
    public static IServiceCollection AddOneShotConnectionHandler(this IServiceCollection services) =>
        services.AddSingleton(sp => new OneShotConnectionHandler(
                sp.GetRequiredService<OneShotRun>(), sp.GetRequiredService<QueuedLineWriter>(), sp.GetRequiredService<IOptions<OneShotOptions>>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OneShotConnectionHandler>>()))
            .AddClosedLogger<OneShotConnectionHandler>();
}
