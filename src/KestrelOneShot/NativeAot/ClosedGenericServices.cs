using System.Diagnostics.CodeAnalysis;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.NativeAot;

/// <summary>
/// Closed registrations for the generic services every run resolves. The container's open ones
/// (<c>IOptions&lt;&gt;</c>, <c>ILogger&lt;&gt;</c>) make it construct <c>OptionsManager&lt;T&gt;</c> or
/// <c>Logger&lt;T&gt;</c> for each <c>T</c> at run time, and in Native AOT a generic type the compiler
/// never saw is built by the runtime's type loader, the largest part of our start-up
/// (docs/performance.md). Named here, each type is compiled ahead of time; the container still
/// resolves them, so every <c>Configure</c>, <c>PostConfigure</c> and <c>Validate</c> registered
/// anywhere still applies.
/// </summary>
internal static class ClosedGenericServices
{
    /// <summary><c>IOptions&lt;T&gt;</c> and its factory, as <c>AddOptions</c> would make them.</summary>
    public static IServiceCollection AddClosedOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(this IServiceCollection services)
        where T : class
    {
        services.AddSingleton<IOptionsFactory<T>>(sp => new OptionsFactory<T>(
            sp.GetServices<IConfigureOptions<T>>(), sp.GetServices<IPostConfigureOptions<T>>(), sp.GetServices<IValidateOptions<T>>()));
        services.AddSingleton<IOptions<T>>(sp => new OptionsManager<T>(sp.GetRequiredService<IOptionsFactory<T>>()));
        return services;
    }

    /// <summary>As <see cref="AddClosedOptions{T}"/>, with <c>IOptionsMonitor&lt;T&gt;</c> and its cache.</summary>
    public static IServiceCollection AddClosedOptionsMonitor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] T>(this IServiceCollection services)
        where T : class
    {
        services.AddClosedOptions<T>();
        services.AddSingleton<IOptionsMonitorCache<T>>(_ => new OptionsCache<T>());
        services.AddSingleton<IOptionsMonitor<T>>(sp => new OptionsMonitor<T>(
            sp.GetRequiredService<IOptionsFactory<T>>(), sp.GetServices<IOptionsChangeTokenSource<T>>(), sp.GetRequiredService<IOptionsMonitorCache<T>>()));
        return services;
    }

    /// <summary><c>ILogger&lt;T&gt;</c>, as <c>AddLogging</c> would make it.</summary>
    public static IServiceCollection AddClosedLogger<T>(this IServiceCollection services) =>
        services.AddSingleton<ILogger<T>>(sp => new Logger<T>(sp.GetRequiredService<ILoggerFactory>()));
}
