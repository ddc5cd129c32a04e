using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Lets a web host builder extension register its services in a generic host's collection. Kestrel's
/// TLS middleware (<c>UseHttps</c>) needs services that only <c>UseKestrelCore</c> registers, and
/// that extension is written for a web host builder; nothing else of a web host is used.
/// </summary>
internal sealed class ServiceCollectionWebHostBuilder(IServiceCollection services) : IWebHostBuilder
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);

    public IWebHostBuilder ConfigureServices(Action<IServiceCollection> configureServices)
    {
        configureServices(services);
        return this;
    }

    public IWebHostBuilder ConfigureServices(Action<WebHostBuilderContext, IServiceCollection> configureServices) =>
        throw new NotSupportedException("Only services are taken from a web host builder here.");

    public IWebHostBuilder ConfigureAppConfiguration(Action<WebHostBuilderContext, IConfigurationBuilder> configureDelegate) =>
        throw new NotSupportedException("Only services are taken from a web host builder here.");

#pragma warning disable ASPDEPR008 // The interface still declares Build(); this builder never builds.
    public IWebHost Build() => throw new NotSupportedException("This builder only registers services.");
#pragma warning restore ASPDEPR008

    public string? GetSetting(string key) => _settings.GetValueOrDefault(key);

    public IWebHostBuilder UseSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }
}
