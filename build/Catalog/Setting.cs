namespace Build.Catalog;

/// <summary>
/// A typed handle on a key whose value lives in a settings bag (<see cref="Family.Settings"/>, a fleet service's
/// Settings) rather than in a property of its own: its key table row reads it in and its consumer reads it out, so
/// adding such a key changes neither the model, nor the draft, nor the hash projection.
/// </summary>
public sealed record Setting<T>(string Name)
    where T : class
{
    /// <summary>The value when the key is set, else null.</summary>
    public T? In(IReadOnlyDictionary<string, object> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.GetValueOrDefault(Name) as T;
    }
}
