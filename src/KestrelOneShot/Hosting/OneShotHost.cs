using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Logging;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Reporting;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// The composition root. The program and the tests (real sockets or in memory) build the same host
/// here and run it with <see cref="RunOneShotAsync"/>; nothing is wired anywhere else.
/// </summary>
public static partial class OneShotHost
{
    // Defaults that configuration (appsettings, environment, command line) may override.
    private static readonly Dictionary<string, string?> ConfigurationDefaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        // The host logs a failed start with its stack trace; RunAsync reports it in one line instead.
        ["Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host"] = "Critical",
    };

    /// <summary>
    /// Builds the host for the given arguments, which <see cref="CommandLineSwitches.Inspect"/> has
    /// accepted. <paramref name="stdout"/> receives the served message line (the console's by default).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, TextWriter? stdout = null)
    {
        // ASP.NET Core's configuration sources, in its order, built here rather than by the host's
        // defaults: the code's defaults first, no file watching (a one-shot never reloads), no user
        // secrets, no default logging providers, ASPNETCORE_ variables as in a web host.
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(ConfigurationDefaults);
        configuration.AddEnvironmentVariables("ASPNETCORE_").AddEnvironmentVariables("DOTNET_").AddCommandLine(args);

        // The generic host, not the web host: Kestrel runs below as a plain hosted service (see
        // KestrelServerService).
        // No Args here: the empty builder would add the command line a second time.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Configuration = configuration,
            ContentRootPath = configuration[HostDefaults.ContentRootKey] ?? Directory.GetCurrentDirectory(),
        });

        configuration.SetBasePath(builder.Environment.ContentRootPath)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddJsonFile($"appsettings.{builder.Environment.EnvironmentName}.json", optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args, CommandLineSwitches.Mappings.ToDictionary());
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));

        // stdout is the message line's alone; every log line goes to stderr.
        builder.Logging.AddProvider(new OneLineLoggerProvider(Console.Error.WriteLine));

        builder.Services.AddOptions<OneShotOptions>()
            .Bind(builder.Configuration.GetSection(OneShotOptions.SectionName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OneShotOptions>, OneShotOptionsValidator>();
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, KestrelListenSetup>();
        builder.Services.AddSingleton<IConnectionListenerFactory, SocketTransportFactory>();
        builder.Services.AddSingleton<IServer, KestrelServer>();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new MessageOutput(stdout ?? Console.Out));
        builder.Services.AddSingleton<OneShotRun>();
        builder.Services.AddSingleton<OneShotConnectionHandler>();
        builder.Services.AddSingleton<ProxyProtocolMiddleware>();
        builder.Services.AddHostedService<ShutdownSignals>();
        builder.Services.AddHostedService<WaitTimeoutService>();
        builder.Services.AddHostedService<KestrelServerService>(); // Last: it starts first to stop.

        return builder;
    }

    /// <summary>The program: arguments in, exit code out, one line on stderr for every failure.</summary>
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(args, OneShotHostSetup.Console, cancellationToken);

    /// <summary>The program against <paramref name="setup"/>'s writers and builder hooks.</summary>
    public static async Task<int> RunAsync(string[] args, OneShotHostSetup setup, CancellationToken cancellationToken = default)
    {
        var startTimestamp = TimeProvider.System.GetTimestamp();
        var (help, error) = CommandLineSwitches.Inspect(args);
        if (help)
        {
            await setup.Out.WriteAsync(CommandLineSwitches.Usage);
            return ExitCodes.Served;
        }

        if (error is not null)
        {
            return Fail(setup, ExitCodes.InvalidConfiguration, error);
        }

        HostApplicationBuilder? builder = null;
        IHost app;
        try
        {
            builder = CreateBuilder(args, setup.Out);
            setup.ConfigureBuilder?.Invoke(builder);
            app = builder.Build();
        }
        catch (Exception ex)
        {
            var (exitCode, message) = StartupFailure.Describe(ex, builder?.Configuration);
            Fail(setup, exitCode, message);
            return builder is null ? exitCode : WriteReport(builder.Configuration, run: null, setup, exitCode, message, startTimestamp);
        }

        using (app)
        {
            int exitCode;
            string? failure = null;
            try
            {
                setup.Built?.Invoke(app);
                exitCode = await app.RunOneShotAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                (exitCode, failure) = StartupFailure.Describe(ex, builder.Configuration);
                Fail(setup, exitCode, failure);
            }

            // The run cannot be had when the options it reads are invalid; the report then says only that.
            var run = exitCode == ExitCodes.InvalidConfiguration ? null : app.Services.GetRequiredService<OneShotRun>();
            return WriteReport(builder.Configuration, run, setup, exitCode, failure, startTimestamp);
        }
    }

    /// <summary>
    /// Starts the host, logs the ready line, waits until the run ends (served, wait timeout, signal)
    /// and stops; returns the exit code of the outcome.
    /// </summary>
    public static async Task<int> RunOneShotAsync(this IHost app, CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken);
        var endpoints = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(ReadyEndpoint)
            .ToArray();
        app.Services.GetRequiredService<OneShotRun>().MarkReady(endpoints);
        LogReady(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(KestrelOneShot)), string.Join(", ", endpoints));

        await app.WaitForShutdownAsync(cancellationToken);
        return app.Services.GetRequiredService<OneShotRun>().ExitCode;
    }

    /// <summary>
    /// Writes the <c>--report</c> file, for every run whose configuration could be read (a failed
    /// validation included). A report that cannot be written turns the exit code into 1.
    /// </summary>
    private static int WriteReport(ConfigurationManager configuration, OneShotRun? run, OneShotHostSetup setup, int exitCode, string? failure, long startTimestamp)
    {
        if (configuration[$"{OneShotOptions.SectionName}:{nameof(OneShotOptions.ReportPath)}"] is not { Length: > 0 } path)
        {
            return exitCode;
        }

        var report = RunReport.Create(exitCode, failure, run, TimeProvider.System, startTimestamp, TimeProvider.System.GetTimestamp());
        try
        {
            RunReportWriter.Write(path, report);
            return exitCode;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(setup, ExitCodes.UnexpectedFailure, $"cannot write the report to {path}: {ex.Message}");
        }
    }

    // Kestrel names every endpoint as a URL; this is raw TCP, so the scheme is noise.
    private static string ReadyEndpoint(string address) =>
        address.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0 ? address[(scheme + 3)..] : address;

    private static int Fail(OneShotHostSetup setup, int exitCode, string message)
    {
        setup.Error.WriteLine($"error: {message}");
        return exitCode;
    }

    [LoggerMessage(1, LogLevel.Information, "Listening on {Endpoints}")]
    private static partial void LogReady(ILogger logger, string endpoints);
}
