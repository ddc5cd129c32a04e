using System.Text;

using KestrelOneShot.Configuration;
using KestrelOneShot.Expectations;

namespace KestrelOneShot.Run;

/// <summary>
/// What serving a shot takes from the options, read once: the same for a raw TCP connection
/// (the connection handler) and an HTTP request (the HTTP application).
/// </summary>
internal sealed record ShotSettings(int MaxMessageBytes, byte[] Response, TimeSpan ReadTimeout, RouteExpectations? Expectations)
{
    public static ShotSettings From(OneShotOptions options) =>
        new(options.MaxMessageBytes, Encoding.UTF8.GetBytes(options.Response), options.ReadTimeout, RouteExpectations.From(options));
}
