// Vite's client types for the page: asset imports such as `…?inline` and `import.meta.env`.
/// <reference types="vite/client" />
