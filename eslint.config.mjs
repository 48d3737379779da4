// ESLint over the project's TypeScript: typescript-eslint's recommended rules (type-unaware),
// no stylistic rules (formatting is not linted). Run by `npm run lint`, part of `npm test`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["out/**", "node_modules/**", ".tools/**", ".vscode-test/**", "runtime/python/**", "test/fixtures/**", "**/*.js", "**/*.mjs", "**/*.cjs"],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // Unused arguments and caught errors named with a leading underscore are deliberate.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
  {
    // The Node runtime's patches call the original with `arguments`: exactly what the program
    // passed (Node's APIs look at how many arguments they get), without an array per call.
    files: ["runtime/node/src/**/*.ts"],
    rules: { "prefer-rest-params": "off" },
  },
);
