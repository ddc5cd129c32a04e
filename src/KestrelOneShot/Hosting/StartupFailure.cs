using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>Turns what can go wrong before the shot into an exit code and one line for the operator.</summary>
public static partial class StartupFailure
{
    /// <param name="configuration">The app's configuration, when the app was built: it names the
    /// address that could not be bound when the error itself does not.</param>
    public static (int ExitCode, string Message) Describe(Exception exception, IConfiguration? configuration)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                return (ExitCodes.InvalidConfiguration, string.Join("; ", validation.Failures));
            case InvalidOperationException when BinderFailure().Match(exception.Message) is { Success: true } match:
                var path = match.Groups["path"].Value;
                return (ExitCodes.InvalidConfiguration, OneShotOptionsValidator.Describe(path[(path.LastIndexOf(':') + 1)..], match.Groups["value"].Value));
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            var reason = socket.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "address already in use",
                SocketError.AccessDenied => "permission denied",
                SocketError.AddressNotAvailable => "address not available on this machine",
                _ => socket.Message,
            };
            var address = BindFailure().Match(exception.Message) is { Success: true } bind ? bind.Groups["address"].Value : ConfiguredEndpoint(configuration);
            return (ExitCodes.CannotListen, $"cannot listen on {address}: {reason}");
        }

        return (ExitCodes.UnexpectedFailure, $"unexpected failure: {exception.GetType().Name}: {exception.Message}");
    }

    private static string ConfiguredEndpoint(IConfiguration? configuration)
    {
        var options = configuration?.GetSection(OneShotOptions.SectionName).Get<OneShotOptions>() ?? new OneShotOptions();
        return IPAddress.TryParse(options.Address, out var ip) ? new IPEndPoint(ip, options.Port).ToString() : $"{options.Address}:{options.Port}";
    }

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T found)
            {
                return found;
            }
        }

        return null;
    }

    // The binder's own wording for a value it cannot convert (for example Port=abc).
    [GeneratedRegex("configuration value '(?<value>.*)' at '(?<path>OneShot:[^']+)'")]
    private static partial Regex BinderFailure();

    // Kestrel's wording: "Failed to bind to address http://127.0.0.1:9999: address already in use."
    [GeneratedRegex("address (?:[a-z]+://)?(?<address>\\S+?):? ")]
    private static partial Regex BindFailure();
}
