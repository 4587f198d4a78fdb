// A module of its own, empty of Go code, so that the go tool's ./... stops here: npm packages
// in node_modules may ship .go files (flatted does), and they are not Meridian's. The built
// console is embedded by the webconsole package (vite.config.ts writes ../webconsole/dist).
module github.com/meridian-cs/meridian/console

go 1.26.8
