/// One result row: the columns as text (NULL is nil), in the order the query selected them.
package struct SQLRow: Sendable {
    /// The column values.
    package let columns: [String?]

    /// Creates a row.
    package init(_ columns: [String?]) { self.columns = columns }

    /// Column `index` as text, nil when NULL.
    package func text(_ index: Int) -> String? { columns[index] }

    /// Column `index` as an integer, nil when NULL or not a number.
    package func integer(_ index: Int) -> Int64? { columns[index].flatMap { Int64($0) } }
}
