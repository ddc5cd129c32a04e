using System.Diagnostics;
using System.Text.RegularExpressions;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// The kit as users meet it: packed, then referenced by a new xunit project next to a user's own
/// top-level-statements app, where the README's examples are compiled and run.
/// </summary>
public sealed partial class PackageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("oneshot-package-").FullName;
    private readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public async Task TheReadmesExamplesPassInAProjectThatReferencesOnlyThePackedKit()
    {
        var packages = Path.Combine(_folder, "packages");
        var pack = await DotnetAsync(Repository.Root, "pack", "src/KestrelOneShot.Testing", "-o", packages, $"-p:PackageVersion={_version}", "-nologo");
        Assert.True(pack.ExitCode == 0, pack.Output);

        // The user's app: a copy of samples/LineProtocolApp, outside this repository's build settings.
        var app = Directory.CreateDirectory(Path.Combine(_folder, "App")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "samples", "LineProtocolApp"), "*.cs*"))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        }

        await File.WriteAllTextAsync(Path.Combine(app, "LineProtocolApp.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """, TestContext.Current.CancellationToken);

        var tests = Directory.CreateDirectory(Path.Combine(_folder, "App.Tests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(tests, "App.Tests.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <Using Include="Xunit" />
                <PackageReference Include="KestrelOneShot.Testing" Version="{_version}" />
                <PackageReference Include="Microsoft.AspNetCore.Mvc.Testing" Version="10.0.15" />
                <PackageReference Include="Microsoft.AspNetCore.TestHost" Version="10.0.15" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                <PackageReference Include="xunit.v3" Version="3.2.2" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                <ProjectReference Include="../App/LineProtocolApp.csproj" />
              </ItemGroup>
            </Project>
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="packed" value="{packages}" />
              </packageSources>
            </configuration>
            """, TestContext.Current.CancellationToken);
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"), TestContext.Current.CancellationToken);
        var examples = CSharpBlocks().Matches(readme).Select(m => m.Groups["code"].Value).Where(code => code.Contains("[Fact]", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, examples.Length);
        for (var i = 0; i < examples.Length; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(tests, $"ReadmeExample{i}.cs"), examples[i], TestContext.Current.CancellationToken);
        }

        var test = await DotnetAsync(tests, "test", "-nologo");

        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Matches(@"Passed:\s+2", test.Output);
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        // The global package cache keeps what was restored; this run's build of the kit is nobody's.
        var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "kestreloneshot.testing", _version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Not this test run's own build environment.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        using var process = Process.Start(start)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
            return (process.ExitCode, await output + await errors);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [GeneratedRegex("```csharp\\n(?<code>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlocks();
}
