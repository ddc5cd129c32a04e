using KestrelOneShot.Configuration;
using KestrelOneShot.NativeAot;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Tls;

internal static class TlsServiceCollectionExtensions
{
    /// <summary>The endpoints' TLS setup from the options, made when an endpoint first asks for it.</summary>
    public static IServiceCollection AddTlsEndpointSetup(this IServiceCollection services) =>
        services.AddSingleton(sp => new TlsEndpointSetup(
                sp.GetRequiredService<IOptions<OneShotOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TlsEndpointSetup>>()))
            .AddClosedLogger<TlsEndpointSetup>();
}
