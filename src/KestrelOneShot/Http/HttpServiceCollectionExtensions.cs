using KestrelOneShot.Configuration;
using KestrelOneShot.NativeAot;
using KestrelOneShot.Output;
using KestrelOneShot.Run;

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Http;

internal static class HttpServiceCollectionExtensions
{
    /// <summary>
    /// The HTTP application Kestrel serves on HTTP endpoints (the host starts the server with it in
    /// every mode; a TCP endpoint never reaches it), and the listener for Kestrel's refusals.
    /// </summary>
    public static IServiceCollection AddOneShotHttp(this IServiceCollection services)
    {
        services.AddSingleton(sp => new OneShotHttpApplication(
            sp.GetRequiredService<OneShotRun>(), sp.GetRequiredService<QueuedLineWriter>(), sp.GetRequiredService<IOptions<OneShotOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<OneShotHttpApplication>>()));
        services.AddSingleton<IHttpApplication<IFeatureCollection>>(sp => sp.GetRequiredService<OneShotHttpApplication>());
        services.AddSingleton<KestrelRefusals>();
        services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<KestrelRefusals>());
        // Kestrel says why it refused a request only at debug level: this provider hears it whatever
        // the configured levels, and says nothing itself.
        services.Configure<LoggerFilterOptions>(filters =>
        {
            foreach (var category in new[] { KestrelRefusals.BadRequestsCategory, KestrelRefusals.Http2Category })
            {
                filters.Rules.Add(new LoggerFilterRule(typeof(KestrelRefusals).FullName, category, LogLevel.Debug, null));
            }
        });
        return services.AddClosedLogger<OneShotHttpApplication>();
    }
}
