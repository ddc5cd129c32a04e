using KestrelOneShot.Configuration;
using KestrelOneShot.ProxyProtocol;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Tests.Configuration;

/// <summary>The <c>OneShot</c> section as the host reads it: each option's reader, then the generated validator.</summary>
public sealed class OneShotOptionsValidatorTests
{
    [Fact]
    public void DefaultsAreValidAndAreTheDefinitionsDefaults()
    {
        var options = Bind();

        Assert.Equal(9999, options.Port);
        Assert.Equal("localhost", options.Address);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ReadTimeout);
        Assert.Null(options.WaitTimeout);
        Assert.Equal(ProxyProtocolMode.Off, options.ProxyProtocol);
    }

    [Fact]
    public void DurationsArriveAsTimeSpans()
    {
        var options = Bind(("ReadTimeout", "500ms"), ("WaitTimeout", "2m"), ("ProxyProtocol", "Required"));

        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ReadTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.WaitTimeout);
        Assert.Equal(ProxyProtocolMode.Required, options.ProxyProtocol);
    }

    [Fact]
    public void AWaitTimeoutOfZeroIsNone() => Assert.Null(Bind(("WaitTimeout", "0")).WaitTimeout);

    [Theory]
    [InlineData("any")]
    [InlineData("LOCALHOST")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    [InlineData("fe80::1")]
    public void AcceptsTheDocumentedAddresses(string address) => Assert.Equal(address, Bind(("Address", address)).Address);

    [Theory]
    [InlineData("invalid OneShot:Port (--port) '65536': expected a whole number from 0 to 65535 (0 = a free port)", "Port", "65536")]
    [InlineData("invalid OneShot:Port (--port) '-1': expected a whole number from 0 to 65535 (0 = a free port)", "Port", "-1")]
    [InlineData("invalid OneShot:Port (--port) 'abc': expected a whole number from 0 to 65535 (0 = a free port)", "Port", "abc")]
    [InlineData("invalid OneShot:Port (--port) '99999999999': expected a whole number from 0 to 65535 (0 = a free port)", "Port", "99999999999")]
    [InlineData("invalid OneShot:MaxMessageBytes (--max-bytes) '0': expected a whole number from 1 to 65536", "MaxMessageBytes", "0")]
    [InlineData("invalid OneShot:MaxMessageBytes (--max-bytes) '65537': expected a whole number from 1 to 65536", "MaxMessageBytes", "65537")]
    [InlineData("invalid OneShot:Address (--address) 'example.com': expected localhost, any, or an IPv4/IPv6 literal", "Address", "example.com")]
    [InlineData("invalid OneShot:Address (--address) '5': expected localhost, any, or an IPv4/IPv6 literal", "Address", "5")]
    [InlineData("invalid OneShot:ReadTimeout (--read-timeout) '3x': expected a duration such as 00:00:30, 30s, 500ms, 2m or 1h; 0 = none", "ReadTimeout", "3x")]
    [InlineData("invalid OneShot:WaitTimeout (--wait-timeout) 'soon': expected a duration such as 00:00:30, 30s, 500ms, 2m or 1h; 0 = none", "WaitTimeout", "soon")]
    [InlineData("invalid OneShot:Count (--count) '0': expected a whole number from 1 up", "Count", "0")]
    [InlineData("invalid OneShot:ProxyProtocol (--proxy-protocol) '1': expected off, required or optional", "ProxyProtocol", "1")]
    [InlineData("invalid OneShot:ReportPath (--report) '': expected a file path", "ReportPath", "")]
    public void NamesTheKeyTheSwitchTheValueAndWhatIsAccepted(string expected, string key, string value)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));

        Assert.Equal([expected], failure.Failures);
    }

    [Fact]
    public void EveryBadValueIsReportedAtOnce()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Bind(("Port", "x"), ("Count", "0")));

        Assert.Equal(2, failure.Failures.Count());
    }

    private static OneShotOptions Bind(params (string Key, string Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"OneShot:{v.Key}", v.Value)))
            .Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddOneShotOptions()
            .BuildServiceProvider();
        return services.GetRequiredService<IOptions<OneShotOptions>>().Value;
    }
}
