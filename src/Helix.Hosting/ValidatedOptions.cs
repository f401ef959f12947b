using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Helix.Hosting;

public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, rejects keys the type
    /// does not have (a typo must not silently fall back to a default), validates data annotations
    /// and <see cref="IValidatableObject"/> on the whole object graph, and does all of it at
    /// start-up. Every failure names the full configuration key, such as <c>Webhooks:Sources:0:Secret</c>.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(section);

        services.AddSingleton<IValidateOptions<TOptions>>(new ConfigurationKeyValidator<TOptions>(section));
        return services.AddOptions<TOptions>()
            .Configure<IConfiguration>((options, configuration) => Bind(configuration.GetSection(section), options, section))
            .ValidateOnStart();
    }

    private static void Bind<TOptions>(IConfigurationSection configuration, TOptions options, string section)
        where TOptions : class
    {
        try
        {
            configuration.Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's own message is generic; the inner one names the key that failed.
            var messages = new List<string>();
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                messages.Add(e.Message);
            }
            throw new OptionsValidationException(section, typeof(TOptions),
                [$"Configuration section '{section}' cannot be bound: {string.Join(" ", messages)}"]);
        }
    }
}

/// <summary>Data-annotation validation that reports configuration keys instead of member names.</summary>
internal sealed class ConfigurationKeyValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = new List<string>();
        Collect(options, section, failures, new HashSet<object>(ReferenceEqualityComparer.Instance));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Collect(object instance, string path, List<string> failures, HashSet<object> seen)
    {
        if (!seen.Add(instance))
        {
            return;
        }

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true);
        foreach (var result in results)
        {
            var members = result.MemberNames.Any() ? result.MemberNames : [string.Empty];
            foreach (var member in members)
            {
                var key = member.Length == 0 ? path : $"{path}:{member}";
                failures.Add($"Configuration key '{key}': {result.ErrorMessage}");
            }
        }

        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetValue(instance) is not { } value)
            {
                continue;
            }
            var childPath = $"{path}:{property.Name}";
            switch (value)
            {
                case string:
                    break;
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        if (entry.Value is { } item && IsComplex(item.GetType()))
                        {
                            Collect(item, $"{childPath}:{Convert.ToString(entry.Key, CultureInfo.InvariantCulture)}", failures, seen);
                        }
                    }
                    break;
                case IEnumerable sequence:
                    var index = 0;
                    foreach (var item in sequence)
                    {
                        if (item is not null && IsComplex(item.GetType()))
                        {
                            Collect(item, $"{childPath}:{index}", failures, seen);
                        }
                        index++;
                    }
                    break;
                default:
                    if (IsComplex(value.GetType()))
                    {
                        Collect(value, childPath, failures, seen);
                    }
                    break;
            }
        }
    }

    // Options classes are Helix's own; framework types (TimeSpan, Uri, ...) hold no annotations.
    private static bool IsComplex(Type type) =>
        type.IsClass && type.Namespace is { } ns && !ns.StartsWith("System", StringComparison.Ordinal)
        && !ns.StartsWith("Microsoft", StringComparison.Ordinal);
}
