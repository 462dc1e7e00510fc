using Build.Catalog;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Build.Pixi;

/// <summary>An environment of pixi.toml: its features and the platforms it can be solved for.</summary>
public sealed record PixiEnvironment(string Name, IReadOnlyList<string> Features, IReadOnlyList<string> Platforms, SourceSpan Where);

/// <summary>
/// pixi.toml read with a TOML parser (so '#' inside strings, dotted keys and inline tables mean what TOML says).
/// An environment's platforms are the workspace's, narrowed by each of its features that lists platforms.
/// </summary>
public sealed record PixiManifest(string File, IReadOnlyList<string> Platforms, IReadOnlyDictionary<string, PixiEnvironment> Environments)
{
    /// <summary>The manifest, or null with positioned errors in <paramref name="errors"/>.</summary>
    public static PixiManifest? Read(string text, string file, List<InputError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var store = new TomlMetadataStore();
        TomlTable root;
        try
        {
            root = TomlSerializer.Deserialize<TomlTable>(text, new TomlSerializerOptions { SourceName = file, MetadataStore = store })!;
        }
        catch (TomlException ex)
        {
            var message = ex.Message;
            var marker = message.IndexOf(": error : ", StringComparison.Ordinal);
            errors.Add(new InputError(new SourceSpan(file, Math.Max(ex.Line ?? 1, 1), Math.Max(ex.Column ?? 1, 1)), null,
                $"TOML syntax error: {(marker >= 0 ? message[(marker + 10)..] : message).Trim()}", $"Fix {file} at that position (pixi reads it as TOML too)."));
            return null;
        }

        var before = errors.Count;
        SourceSpan Where(TomlTable table, string key)
        {
            if (store.TryGetProperties(table, out var md) && md is not null && md.TryGetProperty(key, out var p) && p.Span is { } span)
            {
                return new SourceSpan(file, span.Start.Line + 1, span.Start.Column + 1);
            }

            return new SourceSpan(file, 1, 1);
        }

        void Error(SourceSpan at, string message, string fix) => errors.Add(new InputError(at, null, message, fix));

        List<string>? Strings(TomlTable table, string key, string what)
        {
            if (!table.TryGetValue(key, out var value))
            {
                return null;
            }

            if (value is TomlArray array && array.All(v => v is string))
            {
                return array.Cast<string>().ToList();
            }

            Error(Where(table, key), $"{what} must be a list of strings.", $"Write e.g. {key} = [\"linux-64\"].");
            return null;
        }

        var workspace = root.TryGetValue("workspace", out var w) && w is TomlTable wt ? wt
            : root.TryGetValue("project", out var pr) && pr is TomlTable prt ? prt : null;
        var platforms = workspace is null ? [] : Strings(workspace, "platforms", "'workspace.platforms'") ?? [];

        var features = new Dictionary<string, TomlTable>(StringComparer.Ordinal);
        if (root.TryGetValue("feature", out var f))
        {
            if (f is TomlTable ft)
            {
                foreach (var (name, value) in ft)
                {
                    if (value is TomlTable table)
                    {
                        features[name] = table;
                    }
                    else
                    {
                        Error(Where(ft, name), $"feature '{name}' must be a table.", $"Write [feature.{name}] with its settings.");
                    }
                }
            }
            else
            {
                Error(Where(root, "feature"), "'feature' must be a table of features.", "Write [feature.NAME.dependencies] tables.");
            }
        }

        IReadOnlyList<string> PlatformsOf(IEnumerable<string> featureNames)
        {
            IEnumerable<string> result = platforms;
            foreach (var name in featureNames)
            {
                if (features.TryGetValue(name, out var table) && Strings(table, "platforms", $"'feature.{name}.platforms'") is { } own)
                {
                    result = result.Intersect(own, StringComparer.Ordinal);
                }
            }

            return result.ToList();
        }

        var environments = new SortedDictionary<string, PixiEnvironment>(StringComparer.Ordinal)
        {
            ["default"] = new("default", [], platforms, new SourceSpan(file, 1, 1)),
        };
        if (root.TryGetValue("environments", out var e))
        {
            if (e is not TomlTable envs)
            {
                Error(Where(root, "environments"), "'environments' must be a table.", "Write [environments] with lines like web = [\"web\"].");
            }
            else
            {
                foreach (var (name, value) in envs)
                {
                    var at = Where(envs, name);
                    List<string>? featureNames = null;
                    switch (value)
                    {
                        case TomlArray array when array.All(v => v is string):
                            featureNames = array.Cast<string>().ToList();
                            break;
                        case TomlTable table:
                            featureNames = Strings(table, "features", $"environment '{name}': 'features'") ?? [];
                            break;
                        default:
                            Error(at, $"environment '{name}' must be a list of features or a table with 'features'.", $"Write {name} = [\"feature\"] or {name} = {{ features = [\"feature\"] }}.");
                            break;
                    }

                    if (featureNames is null)
                    {
                        continue;
                    }

                    foreach (var missing in featureNames.Where(n => !features.ContainsKey(n)))
                    {
                        Error(at, $"environment '{name}' uses feature '{missing}', which pixi.toml does not define.{Suggest.DidYouMean(missing, features.Keys)}", $"Add [feature.{missing}] or fix the name.");
                    }

                    environments[name] = new PixiEnvironment(name, featureNames, PlatformsOf(featureNames), at);
                }
            }
        }

        return errors.Count > before ? null : new PixiManifest(file, platforms, environments);
    }

    /// <summary>The environment names (always including 'default'); throws <see cref="InputException"/> when the text is not a valid manifest.</summary>
    public static IReadOnlySet<string> EnvironmentNames(string tomlText, string file = "pixi.toml")
    {
        var errors = new List<InputError>();
        var manifest = Read(tomlText, file, errors) ?? throw new InputException(errors);
        return new SortedSet<string>(manifest.Environments.Keys, StringComparer.Ordinal);
    }
}
