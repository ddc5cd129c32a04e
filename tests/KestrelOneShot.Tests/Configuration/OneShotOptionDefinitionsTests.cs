using System.Reflection;

using KestrelOneShot.Configuration;

namespace KestrelOneShot.Tests.Configuration;

/// <summary>Every setting has its one definition: a property without one would be silently dropped from binding, validation and --help.</summary>
public sealed class OneShotOptionDefinitionsTests
{
    [Fact]
    public void EverySettablePropertyOfTheOptionsHasADefinitionAndEveryDefinitionAProperty()
    {
        var properties = typeof(OneShotOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => p.Name)
            .Order();

        Assert.Equal(properties, OneShotOption.All.Select(o => o.Property).Order());
    }

    [Fact]
    public void SwitchesAndKeysAreUnique()
    {
        Assert.Equal(OneShotOption.All.Count, OneShotOption.All.Select(o => o.Switch).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(OneShotOption.All.Count, OneShotOption.All.Select(o => o.Key).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
