using KestrelOneShot.Hosting;

namespace KestrelOneShot.Tests.Hosting;

public sealed class OneShotOptionsValidatorTests
{
    private static readonly OneShotOptionsValidator Validator = new();

    [Fact]
    public void DefaultsAreValid() => Assert.True(Validator.Validate(null, new OneShotOptions()).Succeeded);

    [Theory]
    [InlineData("any")]
    [InlineData("LOCALHOST")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("0.0.0.0")]
    [InlineData("fe80::1")]
    public void AcceptsTheDocumentedAddresses(string address) =>
        Assert.True(Validator.Validate(null, new OneShotOptions { Address = address }).Succeeded);

    [Theory]
    [InlineData("invalid OneShot:Port (--port) '65536': expected a whole number from 0 to 65535 (0 = a free port)", nameof(OneShotOptions.Port), "65536")]
    [InlineData("invalid OneShot:Port (--port) '-1': expected a whole number from 0 to 65535 (0 = a free port)", nameof(OneShotOptions.Port), "-1")]
    [InlineData("invalid OneShot:MaxMessageBytes (--max-bytes) '0': expected a whole number from 1 to 65536", nameof(OneShotOptions.MaxMessageBytes), "0")]
    [InlineData("invalid OneShot:MaxMessageBytes (--max-bytes) '65537': expected a whole number from 1 to 65536", nameof(OneShotOptions.MaxMessageBytes), "65537")]
    [InlineData("invalid OneShot:Address (--address) 'example.com': expected localhost, any, or an IPv4/IPv6 literal", nameof(OneShotOptions.Address), "example.com")]
    [InlineData("invalid OneShot:Address (--address) '5': expected localhost, any, or an IPv4/IPv6 literal", nameof(OneShotOptions.Address), "5")]
    [InlineData("invalid OneShot:ReadTimeout (--read-timeout) '3x': expected a duration such as 00:00:30, 30s, 500ms, 2m or 1h; 0 = none", nameof(OneShotOptions.ReadTimeout), "3x")]
    [InlineData("invalid OneShot:WaitTimeout (--wait-timeout) 'soon': expected a duration such as 00:00:30, 30s, 500ms, 2m or 1h; 0 = none", nameof(OneShotOptions.WaitTimeout), "soon")]
    public void NamesTheKeyTheValueAndWhatIsAccepted(string expected, string key, string value)
    {
        var options = new OneShotOptions();
        switch (key)
        {
            case nameof(OneShotOptions.Port): options.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(OneShotOptions.MaxMessageBytes): options.MaxMessageBytes = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case nameof(OneShotOptions.Address): options.Address = value; break;
            case nameof(OneShotOptions.ReadTimeout): options.ReadTimeout = value; break;
            case nameof(OneShotOptions.WaitTimeout): options.WaitTimeout = value; break;
        }

        var result = Validator.Validate(null, options);

        Assert.Equal([expected], result.Failures);
    }
}
