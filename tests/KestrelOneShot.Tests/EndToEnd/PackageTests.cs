using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// The packages as users meet them: packed, then referenced by a new xunit project next to copies
/// of a user's own apps (outside this repository's build settings), where a README's examples are
/// compiled and run.
/// </summary>
[Collection(nameof(ReleaseBuilds))]
public sealed partial class PackageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("oneshot-package-").FullName;
    private readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [Fact]
    public async Task TheKitsReadmeExamplePassesInAProjectThatReferencesOnlyThePackedKit()
    {
        // Packing the kit packs its transport beside it, under the same version.
        await PackAsync("src/KestrelOneShot.Testing");
        Assert.True(File.Exists(Path.Combine(Packages, $"KestrelOneShot.InMemory.{_version}.nupkg")));

        var passed = await RunReadmeExamplesAsync("src/KestrelOneShot.Testing/README.md", "KestrelOneShot.Testing", []);

        Assert.Equal(1, passed);
    }

    [Fact]
    public async Task TheTransportsReadmeExamplesPassInAProjectThatReferencesOnlyThePackedTransport()
    {
        await PackAsync("src/KestrelOneShot.InMemory");
        using (var package = ZipFile.OpenRead(Path.Combine(Packages, $"KestrelOneShot.InMemory.{_version}.nupkg")))
        {
            // Nothing of the one-shot server: neither its assembly nor a dependency on its packages.
            Assert.DoesNotContain(package.Entries, entry => entry.Name == "KestrelOneShot.dll");
            using var nuspec = new StreamReader(package.GetEntry("KestrelOneShot.InMemory.nuspec")!.Open());
            Assert.DoesNotContain("id=\"KestrelOneShot", await nuspec.ReadToEndAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        var lineApp = CopySample("LineProtocolApp", "");
        var httpApp = CopySample("HttpApp", """
            <ItemGroup>
              <PackageReference Include="Grpc.AspNetCore" Version="2.85.0" />
              <Protobuf Include="Protos/greeter.proto" GrpcServices="Both" />
            </ItemGroup>
            """);
        // The system example's own dependencies, as its README names them.
        var passed = await RunReadmeExamplesAsync("src/KestrelOneShot.InMemory/README.md", "KestrelOneShot.InMemory", [lineApp, httpApp], """
            <PackageReference Include="Yarp.ReverseProxy" Version="2.3.0" />
            <PackageReference Include="Microsoft.Extensions.Http.Resilience" Version="10.11.0" />
            <PackageReference Include="Microsoft.Extensions.TimeProvider.Testing" Version="10.11.0" />
            """);

        Assert.Equal(4, passed);
    }

    private string Packages => Path.Combine(_folder, "packages");

    private async Task PackAsync(string project)
    {
        var pack = await DotnetAsync(Repository.Root, "pack", project, "-o", Packages, $"-p:PackageVersion={_version}", "-nologo");
        Assert.True(pack.ExitCode == 0, pack.Output);
    }

    /// <summary>A copy of <c>samples/<paramref name="name"/></c> with a project file of its own.</summary>
    private string CopySample(string name, string items)
    {
        var source = Path.Combine(Repository.Root, "samples", name);
        var app = Path.Combine(_folder, name);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories).Where(file => !file.EndsWith(".csproj", StringComparison.Ordinal)))
        {
            var target = Path.Combine(app, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var project = Path.Combine(app, $"{name}.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            {items}
            </Project>
            """);
        return project;
    }

    /// <summary>Writes the README's complete examples (its [Fact] blocks) into a new test project, runs it, and returns how many passed.</summary>
    private async Task<int> RunReadmeExamplesAsync(string readmePath, string package, string[] apps, string packages = "")
    {
        var tests = Directory.CreateDirectory(Path.Combine(_folder, "App.Tests")).FullName;
        var references = string.Concat(apps.Select(app => $"""<ProjectReference Include="{app}" />"""));
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
                <PackageReference Include="Microsoft.AspNetCore.Mvc.Testing" Version="10.0.15" />
                <PackageReference Include="Microsoft.AspNetCore.TestHost" Version="10.0.15" />
                <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
                <PackageReference Include="xunit.v3" Version="3.2.2" />
                <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
                {packages}
                {references}
              </ItemGroup>
            </Project>
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="packed" value="{Packages}" />
              </packageSources>
            </configuration>
            """, TestContext.Current.CancellationToken);
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, readmePath), TestContext.Current.CancellationToken);
        var examples = CSharpBlocks().Matches(readme).Select(m => m.Groups["code"].Value).Where(code => code.Contains("[Fact]", StringComparison.Ordinal)).ToArray();
        for (var i = 0; i < examples.Length; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(tests, $"ReadmeExample{i}.cs"), examples[i], TestContext.Current.CancellationToken);
        }

        // The user's project restores before the package is added: `add package --source` restores
        // from that source alone, so what the examples' other packages need must be there already.
        var restore = await DotnetAsync(tests, "restore");
        Assert.True(restore.ExitCode == 0, restore.Output);

        // The package added as its README says (a build from the repository is a prerelease).
        var add = await DotnetAsync(tests, "add", "package", package, "--source", Packages, "--prerelease");
        Assert.True(add.ExitCode == 0, add.Output);
        Assert.Contains($"<PackageReference Include=\"{package}\" Version=\"{_version}\" />", await File.ReadAllTextAsync(Path.Combine(tests, "App.Tests.csproj"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var test = await DotnetAsync(tests, "test", "-nologo");

        Assert.True(test.ExitCode == 0, test.Output);
        var passed = PassedCount().Match(test.Output);
        Assert.True(passed.Success, test.Output);
        Assert.Equal(examples.Length, int.Parse(passed.Groups["n"].Value, CultureInfo.InvariantCulture));
        return examples.Length;
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        // The global package cache keeps what was restored; this run's build of the packages is nobody's.
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { "kestreloneshot.testing", "kestreloneshot.inmemory" })
        {
            var cached = Path.Combine(cache, id, _version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }

    private static Task<(int ExitCode, string Output)> DotnetAsync(string directory, params string[] args) =>
        BoundedProcess.RunAsync("dotnet", directory, TimeSpan.FromMinutes(5), args);

    [GeneratedRegex("```csharp\\n(?<code>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlocks();

    [GeneratedRegex(@"Passed:\s+(?<n>\d+)")]
    private static partial Regex PassedCount();
}
